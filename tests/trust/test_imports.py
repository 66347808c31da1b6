"""Imports refuse bad workbooks quickly and clearly, write nothing, leave no temporary file;
an identical re-import changes nothing."""

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from crm.models import AuditLog
from customers import imports
from customers.models import Customer, ImportBatch, ImportJob
from customers.services import CustomerError
from tests.factories import make_credit_code

from .conftest import stored_files, zip_bytes
from .xlsx_files import (
    billion_laughs,
    encrypted_workbook,
    external_entity,
    million_rows,
    sparse_sheet,
    workbook,
)

pytestmark = pytest.mark.django_db

HEADERS = ["客户名称", "统一社会信用代码", "省份", "客户来源", "负责业务员"]


def sheet(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def good_rows():
    return [
        ["杭州新锐电子有限公司", make_credit_code(7101), "浙江省", "展会", "sales1"],
        ["南京华瑞化工有限公司", make_credit_code(7102), "江苏省", "网络平台", "sales1"],
    ]


@pytest.fixture(scope="module")
def a_million_rows():
    return million_rows()


BAD_WORKBOOKS = {
    # case: (bytes, file name, words of the message)
    "wrong type (a PDF)": (lambda: b"%PDF-1.4 not a workbook", "客户.xlsx", "not accepted"),
    "wrong type (a .csv)": (lambda: "客户名称\n杭州新锐\n".encode(), "客户.csv", "not accepted"),
    "password-protected xlsx": (encrypted_workbook, "加密.xlsx", "not accepted"),
    "corrupt xlsx (truncated)": (lambda: sheet(good_rows())[:900], "坏.xlsx", "damaged"),
    "corrupt xlsx (not a workbook inside)": (
        lambda: zip_bytes({"xl/workbook.xml": b"<nonsense"}),
        "坏.xlsx",
        "damaged",
    ),
    "renamed headers": (
        lambda: sheet(good_rows(), headers=["公司名", "信用代码", "省", "来源", "业务员"]),
        "改名.xlsx",
        "missing: 客户名称",
    ),
    "headers not on the first row": (
        lambda: sheet([HEADERS] + good_rows(), headers=["客户清单 2026"]),
        "x.xlsx",
        "missing: 客户名称",
    ),
    "XML entity expansion (billion laughs)": (billion_laughs, "laughs.xlsx", "damaged"),
    "XML external entity": (external_entity, "xxe.xlsx", "damaged"),
    "a sheet with rows past Excel's last row": (lambda: sparse_sheet(2_000_000), "sparse.xlsx", "damaged"),
}


@pytest.mark.parametrize("case", list(BAD_WORKBOOKS))
def test_a_bad_workbook_is_refused_clearly_within_seconds_and_nothing_is_written(
    case, assistant, salesperson, media
):
    make, name, words = BAD_WORKBOOKS[case]
    content = make()
    customers_before = Customer.objects.count()
    started = time.monotonic()
    with translation.override("en"), pytest.raises(CustomerError) as exc:
        imports.import_stage(actor=assistant, kind="customers", file=SimpleUploadedFile(name, content))
    assert time.monotonic() - started < 5
    assert words in str(exc.value), f"{case}: unclear message {exc.value}"
    assert Customer.objects.count() == customers_before
    assert ImportBatch.objects.count() == 0
    assert stored_files(media) == [], "nothing staged on disk"


def test_the_external_entity_is_never_read(assistant, salesperson, media, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-42")
    with pytest.raises(CustomerError) as exc:
        imports.import_stage(
            actor=assistant, kind="customers", file=SimpleUploadedFile("x.xlsx", external_entity(str(secret)))
        )
    assert "TOP-SECRET-42" not in str(exc.value)
    assert not Customer.objects.filter(name__contains="TOP-SECRET").exists()


def test_a_file_of_a_million_rows_fails_fast_by_the_row_limit(
    a_million_rows, assistant, salesperson, media, settings
):
    settings.IMPORT_MAX_ROWS = 20_000
    # Its sheet unpacks to ~32 MB: with the Office size limits (test_office_files.py) raised, the
    # row limit is what must still refuse it quickly.
    settings.OFFICE_MAX_PART_BYTES = settings.OFFICE_MAX_UNPACKED_BYTES = 256 * 1024 * 1024
    started = time.monotonic()
    with pytest.raises(CustomerError, match="20000"):
        imports.import_stage(
            actor=assistant, kind="customers", file=SimpleUploadedFile("百万.xlsx", a_million_rows)
        )
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"took {elapsed:.1f}s: the sheet was read beyond the limit"
    assert Customer.objects.count() == 0 and stored_files(media) == []


def test_a_sheet_at_the_limit_is_read(assistant, salesperson, media, settings):
    settings.IMPORT_MAX_ROWS = 2
    staged = imports.import_stage(
        actor=assistant, kind="customers", file=SimpleUploadedFile("ok.xlsx", sheet(good_rows()))
    )
    assert staged.report.ok and staged.report.new == 2
    settings.IMPORT_MAX_ROWS = 1
    with pytest.raises(CustomerError, match="more than 1 rows|1"):
        imports.import_stage(
            actor=assistant, kind="customers", file=SimpleUploadedFile("ok.xlsx", sheet(good_rows()))
        )


def test_a_sparse_sheet_within_excels_rows_is_read_quickly(assistant, salesperson, media):
    """Row 1 and row 1,048,576: the gap is skipped in about a second, the one data row is read."""
    started = time.monotonic()
    staged = imports.import_stage(
        actor=assistant, kind="customers", file=SimpleUploadedFile("s.xlsx", sparse_sheet())
    )
    assert time.monotonic() - started < 5
    assert staged.report.total == 1


def test_a_handmade_workbook_is_read_like_an_excel_one(assistant, salesperson, media):
    content = workbook([HEADERS] + good_rows())
    staged = imports.import_stage(
        actor=assistant, kind="customers", file=SimpleUploadedFile("h.xlsx", content)
    )
    assert staged.report.ok and staged.report.new == 2


def _upload(client, content, name="客户.xlsx"):
    return client.post(
        reverse("customers:import"),
        {"kind": "customers", "file": SimpleUploadedFile(name, content)},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )


def test_on_the_screen_a_refused_file_shows_the_message_and_stages_nothing(
    client_for, assistant, salesperson, media
):
    client = client_for(assistant)
    response = _upload(client, encrypted_workbook(), "加密.xlsx")
    assert response.status_code == 200
    assert "This type of file is not accepted" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert stored_files(media) == []


def test_an_identical_reimport_changes_nothing(client_for, assistant, salesperson, media):
    client = client_for(assistant)
    content = sheet(good_rows())
    for expected_new in (2, 0):
        response = _upload(client, content)
        assert response.status_code == 200
        token = response.context["token"]
        report = response.context["report"]
        assert report.new == expected_new
        assert client.post(reverse("customers:import_confirm"), {"token": token}).status_code == 302
        assert stored_files(media) == [], "the staged file is removed after the import"
    snapshot = list(Customer.objects.order_by("pk").values("pk", "name", "version", "updated_at"))
    response = _upload(client, content)
    report = response.context["report"]
    assert report.new == 0 and report.updated == 0 and report.skipped == 2
    client.post(reverse("customers:import_confirm"), {"token": response.context["token"]})
    assert list(Customer.objects.order_by("pk").values("pk", "name", "version", "updated_at")) == snapshot
    assert not AuditLog.objects.filter(action="customers.customer.updated").exists()


def test_a_confirm_replayed_after_use_imports_nothing_twice(client_for, assistant, salesperson, media):
    client = client_for(assistant)
    response = _upload(client, sheet(good_rows()))
    token = response.context["token"]
    client.post(reverse("customers:import_confirm"), {"token": token})
    replay = client.post(
        reverse("customers:import_confirm"), {"token": token}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Imported 2 rows" in replay.content.decode()  # the first result, not a second import
    assert ImportBatch.objects.count() == 1 and Customer.objects.count() == 2


def test_a_large_refused_upload_leaves_no_temporary_file(
    a_million_rows, client_for, assistant, salesperson, media, settings, tmp_path
):
    """Over FILE_UPLOAD_MAX_MEMORY_SIZE Django spools the upload to a temporary file: gone after the request."""
    spool = tmp_path / "spool"
    spool.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(spool)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    assert len(a_million_rows) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    started = time.monotonic()
    response = _upload(client_for(assistant), a_million_rows, "百万.xlsx")
    assert time.monotonic() - started < 10
    assert response.status_code == 200 and "at most" in response.content.decode()
    assert list(spool.iterdir()) == [], "the spooled upload was removed"
    assert stored_files(media) == [] and Customer.objects.count() == 0
