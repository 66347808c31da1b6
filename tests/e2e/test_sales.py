"""An agreement from the salesperson's phone to the manager's approval, and the ledger on the customer page."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.utils import timezone

from sales.models import Agreement
from sales.services import records_upsert

pytestmark = pytest.mark.django_db(transaction=True)


def test_agreement_crossing_the_total_is_approved_by_the_manager_and_the_panel_shows_the_ledger(
    page, phone_page, login, live_server, screenshot, salesperson, manager, customer
):
    now = timezone.now()
    records_upsert(
        source="receivables",
        via="test",
        now=now,
        rows=[
            {
                "erp_number": "YS-OLD",
                "credit_code": customer.credit_code,
                "issued_on": dt.date(2026, 6, 1),
                "due_on": dt.date(2026, 7, 1),
                "amount": D(5000),
            }
        ],
    )
    records_upsert(
        source="payments",
        via="test",
        now=now,
        rows=[
            {
                "erp_number": "SK-1",
                "credit_code": customer.credit_code,
                "received_on": dt.date(2026, 7, 5),
                "amount": D(2000),
            }
        ],
    )
    login(phone_page, salesperson)
    phone_page.goto(f"{live_server.url}/sales/customers/{customer.pk}/agreements/new/")
    phone_page.fill("#id_number", "XS-2026-001")
    phone_page.fill("#id_amount", "100000")
    phone_page.fill("#id_signed_on", "2026-11-20")
    phone_page.fill("#id_valid_from", "2026-12-01")
    phone_page.fill("#id_valid_until", "2027-11-30")
    phone_page.fill("#id_instalments", "2027-01-31 40000\n2027-03-31 60000")
    phone_page.click("[data-testid=form-submit]")
    phone_page.wait_for_url(re.compile(r"/sales/agreements/\d+/$"))
    phone_page.click("[data-testid=agreement-submit]")
    assert phone_page.get_by_test_id("agreement-state").inner_text() == "待经理审批"
    phone_page.goto(f"{live_server.url}/customers/{customer.pk}/")
    panel = phone_page.get_by_test_id("sales-panel")
    assert "YS-OLD" in panel.inner_text() and "XS-2026-001" in panel.inner_text()
    screenshot(phone_page, "sales_customer_panel_phone")

    agreement = Agreement.objects.get(number="XS-2026-001")
    login(page, manager)
    page.goto(f"{live_server.url}/admin/sales/agreement/{agreement.pk}/change/")
    page.fill("#id_decision_comment", "同意")
    page.click("button[name=decision][value=approve]")
    page.wait_for_url(re.compile(r"/admin/sales/agreement/$"))
    agreement.refresh_from_db()
    assert agreement.state == "effective"
    page.goto(f"{live_server.url}/")
    assert page.get_by_test_id("sales-widget").is_visible()
    screenshot(page, "sales_manager_home")
