"""Key accounts in the browser: a salesperson logs a call on a 390×844 phone in a few taps; a
manager's compliance widget drills down to the overdue customers."""

import time as clock
from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import Customer, CustomerTier
from engagement.models import ContactRecord
from engagement.services import cadence_reminders_send
from tests.factories import ContactFactory, CustomerFactory


@pytest.mark.django_db(transaction=True)
def test_salesperson_logs_a_call_on_a_phone(phone_page, login, live_server, salesperson, screenshot):
    customer = CustomerFactory(
        owner=salesperson, name="上海恒力机械有限公司", short_name="恒力机械", tier=CustomerTier.KEY
    )
    contact = ContactFactory(customer=customer, name="王采购", is_primary=True)
    page = login(phone_page, salesperson)
    started = clock.monotonic()
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.click('[data-testid="log-contact"]')
    page.wait_for_selector('[data-testid="contact-form"]')
    box = page.locator('label[for="id_mode_0"]').bounding_box()
    assert box["height"] >= 44  # big enough to tap
    page.click('label[for="id_mode_1"]')  # 微信
    page.click('label[for="id_contact_0"]')
    page.fill("#id_summary", "确认下月订单数量")
    page.fill("#id_next_step", "发送报价单")
    screenshot(page, "engagement_contact_form_phone")
    page.click('[data-testid="save-contact"]')
    page.wait_for_selector('[data-testid="contact-timeline"]')
    assert clock.monotonic() - started < 30
    assert "确认下月订单数量" in page.locator('[data-testid="contact-timeline"]').inner_text()
    record = ContactRecord.objects.get()
    assert (record.mode, record.contact_id, record.user_id) == ("wechat", contact.pk, salesperson.pk)
    page.locator('[data-testid="contact-timeline"]').scroll_into_view_if_needed()
    screenshot(page, "engagement_customer_timeline_phone")


@pytest.mark.django_db(transaction=True)
def test_manager_drills_down_from_compliance_to_overdue_customers(
    page, login, live_server, manager, salesperson, screenshot
):
    from engagement.models import CadenceRule

    # The default rows of migration 0003 (a transactional test before this one may have flushed them).
    for how, days in (("any", 7), ("onsite", 365)):
        CadenceRule.objects.get_or_create(tier="key", who="head", how=how, defaults={"interval_days": days})
    now = timezone.now()
    late, fine = [], []
    for n in range(4):
        c = CustomerFactory(
            owner=salesperson, name=f"重点客户{n}有限公司", short_name=f"重点{n}", tier=CustomerTier.KEY
        )
        Customer.objects.filter(pk=c.pk).update(created_at=now - timedelta(days=30))
        days = 12 if n < 2 else 2
        ContactRecord.objects.create(
            customer=c,
            user=manager,
            mode="phone",
            contacted_at=now - timedelta(days=days),
            summary="电话沟通",
        )
        (late if n < 2 else fine).append(c)
    cadence_reminders_send(now=now)
    login(page, manager)
    page.goto(f"{live_server.url}/")
    screenshot(page, "engagement_manager_home")
    widget = page.locator('[data-testid="compliance-widget"]')
    assert "75%" in widget.locator('[data-testid="drill-key-head"]').inner_text()
    widget.scroll_into_view_if_needed()
    screenshot(page, "engagement_compliance_widget")
    widget.locator('[data-testid="drill-key-head"]').click()
    page.wait_for_selector('[data-testid="cadence-rows"]')
    text = page.locator('[data-testid="cadence-rows"]').inner_text()
    assert all(c.short_name in text for c in late)
    assert not any(c.short_name in text for c in fine)
    screenshot(page, "engagement_cadence_drilldown")
