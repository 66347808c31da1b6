"""Bad uploads are refused with a message and leave nothing behind, on every upload screen;
downloads are attachments with nosniff."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from blacklist.models import BlacklistEntry, BlacklistEvidence
from complaints import services as complaint_services
from complaints.models import TicketAttachment
from crm.uploads import validate_upload
from customers.models import QualificationDocument
from grading.models import Incident
from visits.models import VisitAttachment, VisitReport

from .conftest import PDF, PNG, stored_files, zip_bomb

pytestmark = pytest.mark.django_db

# name, content, the English message shown (Accept-Language: en)
BAD_FILES = {
    "exe renamed .pdf": (
        "contract.pdf",
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200,
        "This type of file is not accepted",
    ),
    "svg with script": (
        "logo.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "This type of file is not accepted",
    ),
    "html with script as .pdf": (
        "scan.pdf",
        b"<html><script>fetch('/customers/export/')</script></html>",
        "This type of file is not accepted",
    ),
    "empty file": ("empty.pdf", b"", "empty"),
    "oversized": ("big.pdf", PDF + b"0" * 3000, "too large"),
    "zip bomb as .xlsx": ("figures.xlsx", None, "abnormal size"),
    "zip bomb as .docx": ("letter.docx", None, "abnormal size"),
}


def _bad(case):
    name, content, message = BAD_FILES[case]
    if content is None:
        content = zip_bomb("xl/workbook.xml" if name.endswith("xlsx") else "word/document.xml")
    return name, content, message


# --- One poster per upload screen: (client, file) -> response; and what it would have stored ----


def _post_document(c, f, ctx):
    return c.post(
        reverse("customers:document_upload", args=[ctx["customer"].pk]),
        {"doc_type": "business_license", "file": f},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def _post_visit(c, f, ctx):
    url = reverse("visits:report_create") + f"?customer={ctx['customer'].pk}"
    return c.post(
        url,
        {
            "customer": ctx["customer"].pk,
            "visited_on": ctx["today"],
            "mode": "onsite",
            "latest_needs": "需要新报价",
            "files": f,
            **{f"step_{i}_owner": ctx["users"]["salesperson"].pk for i in range(3)},
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )


def _post_complaint(c, f, ctx):
    return c.post(
        reverse("complaints:attachment_add", args=[ctx["ticket"].pk]),
        {"att-file": f},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )


def _post_blacklist(c, f, ctx):
    return c.post(
        reverse("blacklist:entry_create", args=[ctx["customer"].pk]),
        {
            "reason_category": "payment",
            "reason": "长期拖欠货款",
            "loss_amount": "1000",
            "loss_description": "",
            "evidence": f,
        },
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )


def _post_incident(c, f, ctx):
    return c.post(
        reverse("grading:incident_add", args=[ctx["customer"].pk]),
        {
            "incident_type": "late_payment",
            "occurred_on": ctx["today"],
            "description": "逾期付款 30 天",
            "evidence": f,
        },
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )


SCREENS = {
    # screen: (poster, who uploads, models that must not grow)
    "customer documents": (_post_document, "assistant", [QualificationDocument]),
    "visit attachments": (_post_visit, "salesperson", [VisitReport, VisitAttachment]),
    "complaint attachments": (_post_complaint, "salesperson", [TicketAttachment]),
    "blacklist evidence": (_post_blacklist, "manager", [BlacklistEntry, BlacklistEvidence]),
    "incident evidence": (_post_incident, "manager", [Incident]),
}


@pytest.fixture
def ctx(customer, salesperson, assistant, manager):
    ticket = complaint_services.ticket_create(
        actor=salesperson,
        customer_id=customer.pk,
        channel="phone",
        complaint_type="quality",
        description="包装破损",
    )
    return {
        "customer": customer,
        "ticket": ticket,
        "today": dt.date.today().isoformat(),
        "users": {"salesperson": salesperson, "assistant": assistant, "manager": manager},
    }


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_with_a_message_and_nothing_is_stored(
    screen, case, ctx, client, media, settings
):
    if case == "oversized":
        settings.UPLOAD_MAX_BYTES = 2048
    poster, who, models = SCREENS[screen]
    client.force_login(ctx["users"][who])
    before = {m: m.objects.count() for m in models}
    files_before = stored_files(media)
    name, content, message = _bad(case)
    response = poster(client, SimpleUploadedFile(name, content), ctx)
    assert response.status_code == 200, f"{screen}/{case}: the page is shown again with the message"
    html = response.content.decode()
    assert message in html, f"{screen}/{case}: message missing: " + " | ".join(
        line.strip() for line in html.splitlines() if "alert" in line or "invalid-feedback" in line
    )
    assert {m: m.objects.count() for m in models} == before, f"{screen}/{case}: something was stored"
    assert stored_files(media) == files_before, f"{screen}/{case}: a file was left on disk"


@pytest.mark.parametrize("screen", list(SCREENS))
def test_a_good_file_is_accepted_on_every_screen(screen, ctx, client, media):
    """The control: the same posts with a real PDF do store it (so the refusals above mean something)."""
    poster, who, models = SCREENS[screen]
    client.force_login(ctx["users"][who])
    before = {m: m.objects.count() for m in models}
    response = poster(client, SimpleUploadedFile("合同.pdf", PDF), ctx)
    assert response.status_code in (200, 302)
    assert all(m.objects.count() == before[m] + 1 for m in models) or (
        screen == "incident evidence" and Incident.objects.exclude(evidence="").count() == 1
    ), f"{screen}: the good file was not stored"
    assert len(stored_files(media)) == 1


def test_a_path_in_the_file_name_never_reaches_the_disk(ctx, client, media):
    """Django drops the path part of an uploaded name; the stored name is generated, never the uploader's."""
    client.force_login(ctx["users"]["assistant"])
    response = _post_document(client, SimpleUploadedFile("../../../../etc/cron.d/evil.pdf", PDF), ctx)
    assert response.status_code == 302
    doc = QualificationDocument.objects.get()
    assert doc.original_name == "evil.pdf"
    assert ".." not in doc.file.name and "evil" not in doc.file.name
    files = stored_files(media)
    assert len(files) == 1 and (media / files[0]).resolve().is_relative_to(media.resolve())


@pytest.mark.parametrize("name", ["..", "../", "a/../../x.pdf", "..\\..\\x.pdf"])
def test_validate_upload_refuses_a_path_as_a_name(name):
    class Raw:  # a file handed over by code (an import, a script), not by Django's upload parser
        def __init__(self):
            import io

            self._f = io.BytesIO(PDF)
            self.name, self.size = name, len(PDF)

        def seek(self, n):
            self._f.seek(n)

        def read(self, n=-1):
            return self._f.read(n)

    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        validate_upload(Raw())
    assert exc.value.code == "file_name"


@pytest.mark.parametrize("raw_name", ["..", "../..", "..\\..\\"])
def test_a_name_made_only_of_a_path_is_refused_on_the_screen(raw_name, ctx, client, media):
    """Sent as raw multipart (a browser would not): Django drops such a file, the form says it is missing."""
    client.force_login(ctx["users"]["assistant"])
    boundary = "BoUnDaRy"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="doc_type"\r\n\r\nbusiness_license\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{raw_name}"\r\n'
            f"Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.generic(
        "POST",
        reverse("customers:document_upload", args=[ctx["customer"].pk]),
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert QualificationDocument.objects.count() == 0 and stored_files(media) == []


def test_a_png_pretending_to_be_a_pdf_is_stored_as_what_it_is(ctx, client, media):
    """The type comes from the content: the stored content type is image/png, whatever the name says."""
    client.force_login(ctx["users"]["assistant"])
    _post_document(client, SimpleUploadedFile("license.pdf", PNG), ctx)
    doc = QualificationDocument.objects.get()
    assert doc.content_type == "image/png"


# --- Downloads ---------------------------------------------------------------------------------


def _assert_safe_download(response, name_part):
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment"), response["Content-Disposition"]
    assert name_part in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "text/html" not in response["Content-Type"]


def test_every_download_is_an_attachment_with_nosniff(ctx, client, media):
    users = ctx["users"]
    client.force_login(users["assistant"])
    _post_document(client, SimpleUploadedFile("营业执照.pdf", PDF), ctx)
    doc = QualificationDocument.objects.get()
    _assert_safe_download(
        client.get(reverse("customers:document_download", args=[ctx["customer"].pk, doc.pk])), "pdf"
    )

    client.force_login(users["salesperson"])
    _post_complaint(client, SimpleUploadedFile("照片.pdf", PDF), ctx)
    att = TicketAttachment.objects.get()
    _assert_safe_download(
        client.get(reverse("complaints:attachment", args=[ctx["ticket"].pk, att.pk])), "pdf"
    )

    _post_visit(client, SimpleUploadedFile("纪要.pdf", PDF), ctx)
    va = VisitAttachment.objects.get()
    _assert_safe_download(client.get(reverse("visits:attachment", args=[va.pk])), "pdf")

    client.force_login(users["manager"])
    _post_blacklist(client, SimpleUploadedFile("证据.pdf", PDF), ctx)
    ev = BlacklistEvidence.objects.get()
    _assert_safe_download(client.get(reverse("blacklist:evidence_download", args=[ev.pk])), "pdf")

    _post_incident(client, SimpleUploadedFile("记录.pdf", PDF), ctx)
    inc = Incident.objects.exclude(evidence="").get()
    _assert_safe_download(client.get(reverse("grading:incident_evidence", args=[inc.pk])), "pdf")
