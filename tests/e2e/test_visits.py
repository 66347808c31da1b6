"""A salesperson on a 390×844 phone: today's plan → visit report with a photo → no longer overdue."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from tests.factories import ContactFactory, CustomerFactory
from visits.models import PlanStatus, VisitPlan, VisitReport

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.mark.django_db(transaction=True)
def test_salesperson_reports_todays_visit_on_a_phone(phone_page, login, live_server, salesperson, screenshot):
    today = timezone.localdate()
    customer = CustomerFactory(
        owner=salesperson,
        name="上海恒力机械有限公司",
        short_name="恒力机械",
        grade="A",
        grade_since=today - timedelta(days=400),
        last_onsite_visit_on=today - timedelta(days=75),
    )
    contact = ContactFactory(customer=customer, name="王采购", is_primary=True)
    plan = VisitPlan.objects.create(
        customer=customer,
        purpose="季度业务回顾",
        created_by=salesperson,
        planned_at=datetime.combine(today, time(12, 0), tzinfo=timezone.get_current_timezone()),
    )
    plan.visitors.add(salesperson)
    plan.contacts.add(contact)

    page = login(phone_page, salesperson)
    page.goto(f"{live_server.url}/visits/")
    overdue = page.locator(f'[data-testid="overdue-{customer.pk}"]')
    assert overdue.is_visible()
    assert "15" in overdue.inner_text()
    screenshot(page, "visits_mine_phone")

    page.click(f'[data-testid="write-report-plan-{plan.pk}"]')
    page.wait_for_selector('[data-testid="report-form"]')
    # The contact to meet from the plan is already picked; the big buttons are easy to tap.
    assert page.locator("#id_contacts_0").is_checked()
    box = page.locator('label[for="id_mode_0"]').bounding_box()
    assert box["height"] >= 44
    page.fill("#id_latest_needs", "明年扩产，需要新型号报价")
    # A dropped network must not lose the text: the draft survives a reload.
    page.wait_for_timeout(500)
    page.reload()
    assert page.input_value("#id_latest_needs") == "明年扩产，需要新型号报价"
    assert page.locator("[data-draft-notice]").is_visible()

    page.fill("#id_opinions", "包装需要加强防潮")
    page.click('label[for="id_cooperation_intent_0"]')
    page.fill("#id_step_0_text", "发送报价单")
    page.fill("#id_step_0_due", (today + timedelta(days=3)).isoformat())
    page.set_input_files("#id_photos", files=[{"name": "现场.png", "mimeType": "image/png", "buffer": PNG}])
    assert "现场.png" in page.inner_text("#photo-names")
    screenshot(page, "visits_report_form_phone")
    page.click('[data-testid="report-submit"]')
    page.wait_for_url(lambda url: "/visits/reports/" in url and "/new/" not in url)
    assert page.locator('[data-testid="attachments"] img').count() == 1
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('visit-report:')).length") == 0
    screenshot(page, "visits_report_detail_phone")

    report = VisitReport.objects.get()
    plan.refresh_from_db()
    customer.refresh_from_db()
    assert (report.mode, report.plan_id, plan.status) == ("onsite", plan.pk, PlanStatus.DONE)
    assert customer.last_onsite_visit_on == today

    page.goto(f"{live_server.url}/visits/")
    assert page.locator(f'[data-testid="overdue-{customer.pk}"]').count() == 0
    assert page.locator(f'[data-testid="plan-{plan.pk}"]').count() == 0
