"""Issue 15: the preview stages every row decided once; the confirm writes exactly those rows,
never reads the file again, re-checks what may have changed since, and checks the role itself."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from crm.models import Role
from customers import imports
from customers.models import Customer, ImportBatch, ImportJob, ImportJobState, ImportRow, ImportRowAction
from customers.services import CustomerError, customer_update
from tests.customers.test_resources import good_rows, xlsx
from tests.factories import CustomerFactory, make_credit_code
from tests.trust.conftest import stored_files

pytestmark = pytest.mark.django_db

HEADERS = ["客户名称", "统一社会信用代码", "省份", "客户来源", "负责业务员", "等级", "状态"]


@pytest.fixture
def media(settings, tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


def test_the_preview_stages_every_row_normalised(assistant, salesperson, media):
    rows = good_rows() + [
        ["  宁波\u200b海天塑机有限公司 ", make_credit_code(903).lower(), "浙江省", "展会", "SALES1", "", ""]
    ]
    staged = imports.import_stage(actor=assistant, kind="customers", file=xlsx(rows))
    assert staged.report.ok and staged.report.new == 3
    staged_rows = list(staged.job.rows.order_by("number"))
    assert [(r.number, r.action) for r in staged_rows] == [(2, "create"), (3, "create"), (4, "create")]
    third = staged_rows[2].values
    assert third["name"] == "宁波海天塑机有限公司" and third["credit_code"] == make_credit_code(903)
    assert third["owner_id"] == salesperson.pk and third["source_channel"] == "trade_fair"
    assert third["name_normalized"] and third["pinyin_keys"]
    assert stored_files(media) == [], "the preview keeps no copy of the file"


def test_the_confirm_writes_the_staged_rows_without_the_file(assistant, salesperson, media):
    staged = imports.import_stage(actor=assistant, kind="customers", file=xlsx(good_rows()))
    row = staged.job.rows.get(number=2)
    row.values = {**row.values, "province": "江苏省"}  # what the confirm writes is what was staged
    row.save()
    batch = imports.import_commit(actor=assistant, job_id=staged.job.pk)
    assert batch.created == 2
    assert Customer.objects.get(credit_code=make_credit_code(901)).province == "江苏省"
    assert not ImportRow.objects.exists(), "the staged rows have served"


def test_through_the_worker_the_file_is_gone_before_the_confirm(client_for, assistant, salesperson, media):
    client = client_for(assistant)
    page = client.post(
        reverse("customers:import"), {"kind": "customers", "file": xlsx(good_rows())}, follow=True
    )
    job = ImportJob.objects.get()
    assert job.state == ImportJobState.READY and job.path == "" and stored_files(media) == []
    assert page.context["report"].new == 2
    client.post(reverse("customers:import_confirm"), {"token": job.pk.hex})
    assert Customer.objects.count() == 2 and ImportBatch.objects.get().created == 2


def test_a_customer_edited_since_the_preview_refuses_the_whole_import(assistant, salesperson, media):
    existing = CustomerFactory(
        name="杭州新锐电子有限公司", credit_code=make_credit_code(901), owner=salesperson
    )
    rows = good_rows()
    rows[0][2] = "江苏省"
    staged = imports.import_stage(actor=assistant, kind="customers", file=xlsx(rows))
    assert (staged.report.new, staged.report.updated) == (1, 1)
    customer_update(actor=salesperson, customer_id=existing.pk, data={"phone": "0571-1"}, expected_version=1)
    with pytest.raises(CustomerError, match=existing.name):
        imports.import_commit(actor=assistant, job_id=staged.job.pk)
    assert Customer.objects.count() == 1, "all or nothing: the new row is not written either"
    assert Customer.objects.get(pk=existing.pk).province != "江苏省"
    assert not ImportBatch.objects.exists()


def test_a_company_blacklisted_since_the_preview_is_refused_at_the_confirm(assistant, salesperson, media):
    staged = imports.import_stage(actor=assistant, kind="customers", file=xlsx(good_rows()))
    CustomerFactory(
        name="南京华瑞化工有限公司",
        owner=salesperson,
        is_blacklisted=True,
        blacklisted_until=dt.date(2027, 1, 1),
        credit_code=make_credit_code(999),
    )
    with pytest.raises(CustomerError, match="南京华瑞化工有限公司"):
        imports.import_commit(actor=assistant, job_id=staged.job.pk)
    assert Customer.objects.count() == 1


def test_the_importers_role_is_checked_by_the_service(assistant, salesperson, media):
    with pytest.raises(PermissionDenied):
        imports.import_stage(actor=salesperson, kind="customers", file=xlsx(good_rows()))
    staged = imports.import_stage(actor=assistant, kind="customers", file=xlsx(good_rows()))
    assistant.role = Role.SALESPERSON  # the role changed between preview and confirm
    assistant.save()
    with pytest.raises(PermissionDenied):
        imports.import_commit(actor=assistant, job_id=staged.job.pk)
    assert not Customer.objects.exists()


def test_a_second_confirm_is_a_no_op(assistant, salesperson, media):
    staged = imports.import_stage(actor=assistant, kind="customers", file=xlsx(good_rows()))
    first = imports.import_commit(actor=assistant, job_id=staged.job.pk)
    again = imports.import_commit(actor=assistant, job_id=staged.job.pk)
    assert again == first and ImportBatch.objects.count() == 1 and Customer.objects.count() == 2


def test_another_users_job_cannot_be_confirmed(assistant, manager, salesperson, media):
    staged = imports.import_stage(actor=assistant, kind="customers", file=xlsx(good_rows()))
    with pytest.raises(CustomerError):
        imports.import_commit(actor=manager, job_id=staged.job.pk)
    assert not Customer.objects.exists()


def test_progress_counts_the_staged_rows(assistant, salesperson, media, monkeypatch):
    monkeypatch.setattr(imports.service, "STAGE_BATCH", 2)
    rows = [
        [f"宁波测试{k}有限公司", make_credit_code(1200 + k), "浙江省", "展会", "sales1", "", ""]
        for k in range(5)
    ]
    seen = []
    staged = imports.import_stage(
        actor=assistant,
        kind="customers",
        file=xlsx(rows),
        progress=lambda done, total=None: seen.append((done, total)),
    )
    assert seen == [(0, 5), (2, 5), (4, 5)]  # then the last row with the rest of the batch
    assert staged.job.rows.count() == 5
    written = []
    imports.import_commit(
        actor=assistant, job_id=staged.job.pk, progress=lambda done, total=None: written.append((done, total))
    )
    assert written[0] == (0, 5) and written[-1][0] == 5


def test_the_preview_page_is_read_from_the_staged_rows(client_for, assistant, salesperson, media):
    staged = imports.import_stage(actor=assistant, kind="customers", file=xlsx(good_rows()))
    client = client_for(assistant)
    url = reverse("customers:import_job", args=[staged.job.pk])
    ImportRow.objects.filter(job=staged.job, number=2).update(label="暂存的名称")
    page = client.get(url).content.decode()
    assert "暂存的名称" in page and 'data-testid="import-change-new"' in page
    ImportRow.objects.filter(job=staged.job, number=3).update(
        action=ImportRowAction.ERROR, errors=[["省份", "已暂存的问题"]]
    )
    page = client.get(url).content.decode()
    assert "已暂存的问题" in page and 'data-testid="import-rejected"' in page
