"""Sales screens: the customer panel (constant queries), the manager's widget, the statement (page
and xlsx), the agreement form, the ERP import with preview and all-or-nothing confirm, the queue."""

import datetime as dt
from decimal import Decimal as D
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from crm.dashboards import DashboardContext
from sales.models import Agreement, Delivery, ErpMapping, Payment, UnmatchedRecord
from sales.services import records_upsert
from screens.customer_page import PANELS
from screens.workbench import WIDGETS

pytestmark = pytest.mark.django_db


def ledger(customer, now, n=1, prefix=""):
    rows = [
        {
            "erp_number": f"{prefix}YS-{i}",
            "credit_code": customer.credit_code,
            "issued_on": dt.date(2026, 8, 1),
            "due_on": dt.date(2026, 8, 1) + dt.timedelta(days=10 * i),
            "amount": D(1000),
        }
        for i in range(n)
    ]
    records_upsert(source="receivables", rows=rows, via="test", now=now)
    records_upsert(
        source="payments",
        via="test",
        now=now,
        rows=[
            {
                "erp_number": f"{prefix}SK-{i}",
                "credit_code": customer.credit_code,
                "received_on": dt.date(2026, 11, 1),
                "amount": D(100),
            }
            for i in range(n)
        ],
    )


def panel_queries(request_user, customer, rf):
    panel = next(p for p in PANELS if p.key == "sales" and p.shown_to(request_user))
    request = rf.get("/")
    request.user = request_user
    with CaptureQueriesContext(connection) as ctx:
        data = panel.context(request, customer)
    return len(ctx.captured_queries), data


def test_panel_queries_are_constant_and_ageing_buckets_add_up(salesperson, customer, now, rf):
    ledger(customer, now, n=1)
    few, _ = panel_queries(salesperson, customer, rf)
    ledger(customer, now, n=12, prefix="B")
    many, data = panel_queries(salesperson, customer, rf)
    assert few == many <= 3
    a = data["ageing"]
    assert a["d0_30"] + a["d31_60"] + a["d61_90"] + a["over_90"] == a["total"]
    assert a["over_90"] > 0 and a["overdue"] > 0


def test_panel_ageing_covers_every_open_receivable_not_only_the_rows_shown(salesperson, customer, now):
    from sales.models import Receivable
    from sales.selectors import OPEN_ROWS, ageing, customer_sales_panel

    ledger(customer, now, n=OPEN_ROWS + 5)
    data = customer_sales_panel(customer, today=now.date())
    assert len(data["receivables"]) == OPEN_ROWS
    assert data["ageing"] == ageing(Receivable.objects.filter(customer=customer), today=now.date())
    assert data["ageing"]["overdue_count"] > 0


def test_panel_ageing_of_a_customer_without_receivables_is_zero(salesperson, customer, now):
    from sales.selectors import customer_sales_panel

    a = customer_sales_panel(customer, today=now.date())["ageing"]
    assert a["total"] == 0 and a["overdue_count"] == 0 and set(a) >= {"d0_30", "over_90", "overdue"}


def test_customer_page_shows_the_panel(salesperson, customer, now, client_for, django_assert_max_num_queries):
    ledger(customer, now, n=3)
    client = client_for(salesperson)
    client.get(reverse("customers:detail", args=[customer.pk]))
    response = client.get(reverse("customers:detail", args=[customer.pk]))
    html = response.content.decode()
    assert 'data-testid="sales-panel"' in html and "YS-0" in html


def test_manager_widget_shows_the_departments_overdue(manager, customer, south_customer, now, client_for):
    ledger(customer, now, n=2)
    ledger(south_customer, now, n=2, prefix="S")
    widget = next(p for p in WIDGETS if p.key == "sales" and p.shown_to(manager))
    request = type("R", (), {"user": manager})()
    summary = widget.context(request, DashboardContext(user=manager, now=now))["summary"]
    assert summary["overdue_count"] == 2  # not the south department's
    assert client_for(manager).get(reverse("home")).status_code == 200


def test_statement_page_and_xlsx_agree_and_are_formula_safe(
    salesperson, customer, now, client_for, django_assert_max_num_queries
):
    records_upsert(
        source="receivables",
        via="test",
        now=now,
        rows=[
            {
                "erp_number": "=HYPERLINK(1)",
                "credit_code": customer.credit_code,
                "issued_on": dt.date(2026, 10, 20),
                "due_on": dt.date(2026, 11, 20),
                "amount": D(500),
            },
            {
                "erp_number": "YS-11",
                "credit_code": customer.credit_code,
                "issued_on": dt.date(2026, 11, 3),
                "due_on": dt.date(2026, 12, 3),
                "amount": D(800),
            },
        ],
    )
    records_upsert(
        source="payments",
        via="test",
        now=now,
        rows=[
            {
                "erp_number": "SK-11",
                "credit_code": customer.credit_code,
                "received_on": dt.date(2026, 11, 10),
                "amount": D(300),
            }
        ],
    )
    client = client_for(salesperson)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("sales:statement", args=[customer.pk]), {"month": "2026-11"})
    st = page.context["st"]
    assert (st["opening"], st["debits"], st["credits"], st["closing"]) == (D(500), D(800), D(300), D(1000))
    xlsx = client.get(reverse("sales:statement_export", args=[customer.pk]), {"month": "2026-10"})
    ws = load_workbook(BytesIO(xlsx.content)).active
    values = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "'=HYPERLINK(1)" in values


def test_agreement_form_creates_a_draft_then_submit(salesperson, customer, client_for):
    client = client_for(salesperson)
    response = client.post(
        reverse("sales:agreement_create", args=[customer.pk]),
        {
            "number": "XS-100",
            "amount": "30000",
            "signed_on": "2026-11-20",
            "valid_from": "2026-12-01",
            "valid_until": "2027-11-30",
            "instalments": "2027-01-31 10000\n2027-03-31 20,000",
            "delivery_terms": "自提",
        },
    )
    agreement = Agreement.objects.get(number="XS-100")
    assert response.status_code == 302 and agreement.instalments.count() == 2
    client.post(reverse("sales:agreement_submit", args=[agreement.pk]))
    agreement.refresh_from_db()
    assert agreement.state == "effective"
    bad = client.post(
        reverse("sales:agreement_create", args=[customer.pk]),
        {
            "number": "XS-101",
            "amount": "30000",
            "signed_on": "2026-11-20",
            "valid_from": "2026-12-01",
            "valid_until": "2027-11-30",
            "instalments": "2027-01-31 10000",
        },
    )
    assert bad.status_code == 200 and not Agreement.objects.filter(number="XS-101").exists()


def _xlsx(rows):
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    out = BytesIO()
    wb.save(out)
    return SimpleUploadedFile("erp.xlsx", out.getvalue())


def test_import_with_a_saved_mapping_preview_confirm_and_reimport(assistant, customer, client_for):
    ErpMapping.objects.create(
        source="deliveries",
        columns={
            "erp_number": "单据编号",
            "credit_code": "统一社会信用代码",
            "delivered_on": "发货日期",
            "value": "价税合计",
            "goods": "物料名称",
            "customer_name": "客户名称",
        },
    )
    rows = [
        ["单据编号", "统一社会信用代码", "发货日期", "价税合计", "物料名称", "客户名称"],
        ["FH-1", customer.credit_code, "2026-10-01", "1,200.00", "轴承", customer.name],
        ["FH-2", "91310000MA1FL0000X", "2026-10-02", 300, "螺栓", "新客户有限公司"],
    ]
    client = client_for(assistant)
    preview = client.post(reverse("sales:import"), {"source": "deliveries", "file": _xlsx(rows)})
    assert preview.context["counts"] == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "unmatched": 1,
        "error": 0,
    }
    assert not Delivery.objects.exists()
    batch = preview.context["batch"]
    client.post(reverse("sales:import_confirm", args=[batch.pk]))
    assert Delivery.objects.get().value == D("1200")
    assert UnmatchedRecord.objects.get().erp_number == "FH-2"
    again = client.post(reverse("sales:import"), {"source": "deliveries", "file": _xlsx(rows)})
    assert again.context["counts"]["unchanged"] == 1 and again.context["counts"]["created"] == 0
    assert client.get(reverse("sales:unmatched")).status_code == 200


def test_import_with_an_error_row_imports_nothing(assistant, customer, client_for):
    csv = (
        "erp_number,credit_code,received_on,amount\n"
        f"SK-1,{customer.credit_code},2026-10-01,100\n"
        f"SK-2,{customer.credit_code},2026-13-01,100\n"
    ).encode()
    client = client_for(assistant)
    preview = client.post(
        reverse("sales:import"), {"source": "payments", "file": SimpleUploadedFile("r.csv", csv)}
    )
    assert preview.context["counts"]["error"] == 1 and not preview.context["can_confirm"]
    client.post(reverse("sales:import_confirm", args=[preview.context["batch"].pk]))
    assert not Payment.objects.exists()


def test_admin_queue_bulk_approve_with_comment(salesperson, manager, customer, now, client_for):
    from sales.services import agreement_create, agreement_submit

    a = agreement_create(
        actor=salesperson,
        customer_id=customer.pk,
        number="XS-1",
        amount=D(100000),
        signed_on=dt.date(2026, 11, 1),
        valid_from=dt.date(2026, 11, 1),
        valid_until=dt.date(2027, 10, 31),
        instalments=[(dt.date(2027, 1, 1), D(100000))],
        now=now,
    )
    agreement_submit(agreement_id=a.pk, actor=salesperson, now=now)
    client = client_for(manager)
    url = reverse("admin:sales_agreement_changelist")
    listing = client.get(url)
    assert "XS-1" in listing.content.decode()
    confirm = client.post(url, {"action": "approve_selected", "_selected_action": [a.pk]})
    assert confirm.status_code == 200 and "XS-1" in confirm.content.decode()
    client.post(
        url, {"action": "approve_selected", "_selected_action": [a.pk], "apply": "1", "comment": "同意"}
    )
    a.refresh_from_db()
    assert a.state == "effective" and a.approvals.get().comment == "同意"
    assert client.get(reverse("admin:sales_agreement_change", args=[a.pk])).status_code == 200
