"""Printable forms (§12): each renders as an A4 print page and as a PDF whose text (STSong-Light,
extracted with pypdf) carries the Chinese title and the record's figures."""

import io

import pypdf
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reports import services
from reports.models import Report
from tests.trust.world import build

pytestmark = pytest.mark.django_db


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    # Long cells wrap: compare without line breaks.
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


@pytest.fixture
def world(salesperson, manager, gm_office, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    settings.COMPANY_NAME = "东方精工有限公司"
    settings.LANGUAGE_CODE = "zh-hans"
    return build(salesperson, manager, gm_office, tag="本人")


def _client(user):
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(user)
    return c


def test_visit_report_pdf(world, salesperson):
    text = pdf_text(_client(salesperson).get(reverse("reports:visit_report_pdf", args=[world["report"]])))
    assert "客户拜访报告" in text and "东方精工有限公司" in text
    assert "本人主客户有限公司" in text and "报价" in text and "审批签字" in text


def test_complaint_ticket_pdf(world, salesperson):
    from complaints.models import Ticket

    number = Ticket.objects.get(pk=world["ticket"]).number
    text = pdf_text(_client(salesperson).get(reverse("reports:ticket_pdf", args=[world["ticket"]])))
    assert "投诉受理单" in text and number in text and "破损" in text


def test_evaluation_pdf(world, salesperson):
    text = pdf_text(_client(salesperson).get(reverse("reports:evaluation_pdf", args=[world["evaluation"]])))
    assert "客户质量等级评估表" in text and "本人主客户有限公司" in text and "70" in text


def test_blacklist_report_pdf(world, manager):
    text = pdf_text(_client(manager).get(reverse("reports:blacklist_pdf")))
    assert "客户黑名单报表" in text and "本人已到期有限公司" in text


def test_periodic_report_pdf_and_print(world, manager):
    services.reports_create_due(now=timezone.now())
    report = (
        Report.objects.filter(
            kind__code="complaint_quarterly", department=manager.department, figures__sections__isnull=False
        )
        .order_by("-period_start")
        .first()
    )
    services.report_save(
        actor=manager,
        report_id=report.pk,
        commentary="质量投诉下降",
        problems="",
        measures="",
        submit=True,
        now=timezone.now(),
    )
    text = pdf_text(_client(manager).get(reverse("reports:pdf", args=[report.pk])))
    assert "客户投诉季度分析" in text and "质量投诉下降" in text and "收到投诉" in text
    page = _client(manager).get(reverse("reports:print", args=[report.pk]))
    body = page.content.decode()
    assert (
        page.status_code == 200
        and "客户投诉季度分析" in body
        and "审批签字" in body
        and "东方精工有限公司" in body
    )


def test_print_pages_of_the_forms(world, salesperson):
    c = _client(salesperson)
    for name, key, title in (
        ("reports:visit_report_print", "report", "客户拜访报告"),
        ("reports:ticket_print", "ticket", "投诉受理单"),
        ("reports:evaluation_print", "evaluation", "客户质量等级评估表"),
    ):
        body = c.get(reverse(name, args=[world[key]])).content.decode()
        assert title in body and "reports/print.css" in body, name


def test_monthly_statement_pdf(world, salesperson, south_salesperson):
    """对账单 (§13) as a PDF: the month's receivables and payments with the running balance."""
    import datetime as dt
    from decimal import Decimal

    from sales.models import Payment, Receivable

    customer_id = world["customer"]
    Receivable.objects.create(
        customer_id=customer_id,
        erp_number="YS-PDF-1",
        amount=Decimal("12000"),
        issued_on=dt.date(2026, 10, 3),
        due_on=dt.date(2026, 11, 2),
    )
    Payment.objects.create(
        customer_id=customer_id,
        erp_number="HK-PDF-1",
        amount=Decimal("5000"),
        received_on=dt.date(2026, 10, 20),
    )
    url = reverse("reports:statement_pdf", args=[customer_id]) + "?month=2026-10"
    text = pdf_text(_client(salesperson).get(url))
    assert "对账单" in text and "本人主客户有限公司" in text
    assert "YS-PDF-1" in text and "HK-PDF-1" in text and "12,000.00" in text and "7,000.00" in text
    assert _client(south_salesperson).get(url).status_code == 404


@pytest.mark.parametrize(
    "code",
    [
        "key_account_monthly",
        "contact_monthly",
        "return_visit_quarterly",
        "complaint_quarterly",
        "satisfaction_half_yearly",
    ],
)
def test_each_periodic_report_kind_has_a_pdf_with_its_title_and_figures(world, manager, code):
    from customers.models import Customer

    Customer.objects.filter(department=manager.department).update(tier="key")  # a key-account report
    services.reports_create_due(now=timezone.now())
    report = (
        Report.objects.filter(kind__code=code, department=manager.department)
        .order_by("-period_start")
        .first()
    )
    report = services.report_refresh(report_id=report.pk, now=timezone.now())
    text = pdf_text(_client(manager).get(reverse("reports:pdf", args=[report.pk])))
    assert report.kind.name in text and "审批签字" in text
    sections = [s for s in report.figures["sections"] if s.get("rows") or s.get("table")]
    assert sections, code  # an empty section is left off the paper
    for section in sections:
        assert section["heading"] in text, (code, section["heading"])
        for label, value in section.get("rows") or []:
            assert str(label) in text and str(value) in text, (code, label, value)
