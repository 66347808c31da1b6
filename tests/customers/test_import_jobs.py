"""Field test 16: the import's preview lists what it will create and change, and the page shows
the worker's progress while it checks and imports."""

from unittest import mock

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerDown

from customers import import_jobs, tasks
from customers.models import Customer, ImportJob, ImportJobState
from tests.customers.test_resources import xlsx
from tests.factories import CustomerFactory, make_credit_code

HEADERS = ["客户名称", "统一社会信用代码", "电话", "负责业务员"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def _upload(client, rows):
    return client.post(
        reverse("customers:import"), {"kind": "customers", "file": xlsx(rows, headers=HEADERS)}, follow=True
    )


@pytest.mark.django_db
def test_preview_lists_new_rows_and_each_change_old_to_new(client_for, assistant, salesperson):
    existing = CustomerFactory(
        name="宁波恒力精密机械有限公司",
        credit_code=make_credit_code(950),
        phone="021-11111111",
        owner=salesperson,
    )
    rows = [
        [
            "宁波恒力精密机械有限公司",
            make_credit_code(950),
            "021-00000000",
            salesperson.username,
        ],  # an older phone back
        ["苏州新建材料有限公司", make_credit_code(951), "0512-1234567", salesperson.username],
    ]
    response = _upload(client_for(assistant), rows)
    report = response.context["report"]
    assert report.ok and (report.new, report.updated) == (1, 1)
    update = next(r for r in report.rows if r["type"] == "update")
    assert update["row"] == 2 and update["label"] == existing.name
    assert update["changes"] == [["电话", "021-11111111", "021-00000000"]]
    new = next(r for r in report.rows if r["type"] == "new")
    assert new["row"] == 3 and new["label"] == "苏州新建材料有限公司"
    html = response.content.decode()
    assert 'data-testid="import-change-update"' in html and "021-11111111" in html and "021-00000000" in html
    # Nothing is written by the preview.
    assert Customer.objects.get(pk=existing.pk).phone == "021-11111111" and Customer.objects.count() == 1


@pytest.mark.django_db
def test_progress_is_written_by_the_worker_and_read_by_the_page(client_for, assistant, salesperson):
    job = ImportJob.objects.create(
        user=assistant, kind="customers", file_name="大文件.xlsx", state=ImportJobState.CHECKING
    )
    progress = import_jobs._progress_writer(job.pk, "checking")
    progress(0, total=5000)
    progress(2499)
    with mock.patch.object(import_jobs.time, "monotonic", return_value=10**9):
        progress(2499)
    assert import_jobs.import_progress(job.pk) == {"phase": "checking", "done": 2500, "total": 5000}
    client = client_for(assistant)
    page = client.get(reverse("customers:import_job", args=[job.pk])).content.decode()
    assert 'data-testid="import-progress"' in page and 'hx-trigger="every 1s"' in page
    assert 'value="2500"' in page and 'max="5000"' in page
    assert 'data-testid="import-confirm"' not in page  # nothing to press while it runs
    fragment = client.get(reverse("customers:import_job_progress", args=[job.pk]))
    assert "2500" in fragment.content.decode() and "HX-Refresh" not in fragment
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJobState.READY, report={"ok": True})
    done = client.get(reverse("customers:import_job_progress", args=[job.pk]))
    assert done["HX-Refresh"] == "true"


@pytest.mark.django_db
def test_last_row_always_reported(assistant):
    job = ImportJob.objects.create(user=assistant, kind="customers", file_name="x.xlsx")
    progress = import_jobs._progress_writer(job.pk, "importing")
    progress(0, total=3)
    progress(0)
    progress(1)
    progress(2)  # the last row is written whatever the time since the last write
    assert import_jobs.import_progress(job.pk)["done"] == 3


@pytest.mark.django_db
def test_a_broker_down_runs_the_check_in_the_request(client_for, assistant, salesperson):
    rows = [["温州永固五金有限公司", make_credit_code(953), "0577-1234567", salesperson.username]]
    with mock.patch.object(tasks.import_check, "delay", side_effect=BrokerDown("down")):
        response = _upload(client_for(assistant), rows)
    assert response.context["report"].new == 1
    assert ImportJob.objects.get().state == ImportJobState.READY


@pytest.mark.django_db
def test_another_importers_job_is_404(client_for, assistant, manager, salesperson):
    rows = [["台州海创模具有限公司", make_credit_code(954), "0576-1234567", salesperson.username]]
    _upload(client_for(assistant), rows)
    job = ImportJob.objects.get()
    assert client_for(manager).get(reverse("customers:import_job", args=[job.pk])).status_code == 404
    response = client_for(manager).post(
        reverse("customers:import_confirm"), {"token": job.pk.hex}, follow=True
    )
    assert not Customer.objects.filter(name="台州海创模具有限公司").exists()
    assert "此次导入已失效" in response.content.decode()
