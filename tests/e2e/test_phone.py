"""The salesperson's phone (issue 17) on a 390×844 window: offline report with a photo stored once,
a check-in 5 km away flagged for the manager, the calendar showing a plan three weeks ahead."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import CustomerFactory
from visits import checkin
from visits import services as visit_services
from visits.models import VisitReport

from .conftest import PHONE, SCREENSHOTS

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
HQ = (31.230416, 121.473701)
FIVE_KM_EAST = (31.230416, 121.526300)


def phone_context(browser, **extra):
    return browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        **extra,
    )


def log_in(page, url, user):
    page.goto(f"{url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/login/" not in u)


def shot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def wait_for_worker(page):
    page.wait_for_function(
        "navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=15_000
    )


@pytest.mark.django_db(transaction=True)
def test_a_report_with_a_photo_written_offline_is_stored_once(browser, live_server, salesperson):
    customer = CustomerFactory(
        owner=salesperson, name="上海恒力机械有限公司", short_name="恒力机械", grade="B"
    )
    context = phone_context(browser)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, salesperson)
    form_url = f"{live_server.url}/visits/reports/new/?customer={customer.pk}"
    page.goto(form_url)
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # now controlled by the worker: this copy is kept
    wait_for_worker(page)
    page.goto(f"{live_server.url}/visits/")
    page.goto(form_url)

    context.set_offline(True)
    page.reload()  # from the last copy, with the 离线 banner
    banner = page.locator('[data-testid="offline-banner"]')
    banner.wait_for(state="visible")
    assert "离线" in banner.inner_text() and "副本" in banner.inner_text()
    shot(page, "phone_offline_report_form")
    page.click('label[for="id_mode_1"]')
    page.fill("#id_latest_needs", "需要新一季度报价，离线填写")
    page.set_input_files("#id_photos", files=[{"name": "现场.png", "mimeType": "image/png", "buffer": PNG}])
    page.click('[data-testid="report-submit"]')
    page.locator('[data-testid="draft-queued"]').wait_for(state="visible")
    page.locator('[data-testid="draft-waiting"]').wait_for(state="visible")
    shot(page, "phone_offline_report_queued")
    assert VisitReport.objects.count() == 0
    page.close()  # closing the app loses nothing

    context.set_offline(False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/visits/")
    page.locator('[data-testid="draft-sent"]').wait_for(state="visible")
    shot(page, "phone_offline_report_sent")
    page.reload()  # a second look sends nothing again
    page.locator('[data-testid="draft-sent"]').wait_for(state="visible")
    report = VisitReport.objects.get()
    assert report.latest_needs == "需要新一季度报价，离线填写"
    assert [a.original_name for a in report.attachments.all()] == ["现场.png"]
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_refused_offline_draft_shows_again_with_the_reason(
    browser, live_server, salesperson, manager, gm_office
):
    customer = CustomerFactory(
        owner=salesperson, name="苏州华美电子有限公司", short_name="华美电子", grade="C"
    )
    context = phone_context(browser)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, salesperson)
    form_url = f"{live_server.url}/visits/plans/new/?customer={customer.pk}"
    page.goto(form_url)
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()
    wait_for_worker(page)
    context.set_offline(True)
    page.reload()
    page.fill("#id_purpose", "年度合同洽谈")
    page.fill("#id_planned_at", (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT10:00"))
    page.click('[data-testid="plan-form"] button[type=submit]')
    page.locator('[data-testid="draft-waiting"]').wait_for(state="visible")
    # Meanwhile the customer is blacklisted: no new visit can be planned.
    from blacklist import services as blacklist_services

    entry = blacklist_services.blacklist_entry_report(
        actor=manager,
        customer_id=customer.pk,
        reason_category="payment",
        reason="长期拖欠货款",
        loss_amount=100_000,
    )
    blacklist_services.blacklist_entry_approve(actor=gm_office, entry_id=entry.pk)
    context.set_offline(False)
    page.goto(f"{live_server.url}/visits/")
    refused = page.locator('[data-testid="draft-refused"]')
    refused.wait_for(state="visible")
    assert "黑名单" in refused.inner_text()
    shot(page, "phone_offline_draft_refused")
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_draft_refused_for_a_validation_error_opens_again_in_its_form(browser, live_server, salesperson):
    customer = CustomerFactory(
        owner=salesperson, name="无锡精工机械有限公司", short_name="精工机械", grade="B"
    )
    context = phone_context(browser)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, salesperson)
    form_url = f"{live_server.url}/visits/reports/new/?customer={customer.pk}"
    page.goto(form_url)
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()
    wait_for_worker(page)
    context.set_offline(True)
    page.reload()
    page.fill(
        "#id_visited_on", (timezone.localdate() + timedelta(days=3)).isoformat()
    )  # in the future: refused
    page.fill("#id_latest_needs", "离线写的需求")
    page.click('[data-testid="report-submit"]')
    page.locator('[data-testid="draft-waiting"]').wait_for(state="visible")
    context.set_offline(False)
    page.goto(f"{live_server.url}/visits/")
    page.locator('[data-testid="draft-refused"]').wait_for(state="visible")
    page.click('[data-testid="draft-refused"] a')
    page.locator('div[data-testid="draft-refused"]').wait_for(state="visible")
    assert "不能晚于今天" in page.locator('div[data-testid="draft-refused"]').inner_text()
    assert page.input_value("#id_latest_needs") == "离线写的需求"
    shot(page, "phone_offline_draft_reopened")
    page.fill("#id_visited_on", timezone.localdate().isoformat())
    page.click('[data-testid="report-submit"]')
    page.wait_for_url(re.compile(r"/visits/reports/\d+/"))
    assert VisitReport.objects.get().latest_needs == "离线写的需求"
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_check_in_5_km_away_is_flagged_for_the_manager(
    browser, live_server, salesperson, assistant, manager
):
    customer = CustomerFactory(
        owner=salesperson, name="上海恒力机械有限公司", short_name="恒力机械", grade="A"
    )
    checkin.customer_location_set(actor=assistant, customer_id=customer.pk, latitude=HQ[0], longitude=HQ[1])
    context = phone_context(
        browser,
        geolocation={"latitude": FIVE_KM_EAST[0], "longitude": FIVE_KM_EAST[1], "accuracy": 30},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, salesperson)
    page.goto(f"{live_server.url}/visits/reports/new/?customer={customer.pk}")
    page.click('[data-testid="checkin-now"]')
    page.locator('[data-testid="checkin-done"]').wait_for(state="visible")
    shot(page, "phone_checkin_taken")
    page.fill("#id_latest_needs", "现场查看产线")
    page.click('[data-testid="report-submit"]')
    page.wait_for_url("**/visits/reports/*/")
    assert page.locator('[data-testid="checkin-flag"]').is_visible()
    report = VisitReport.objects.get()
    assert report.checkin_flagged and 4900 < report.checkin_distance_m < 5100
    context.close()

    desk = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    page = desk.new_page()
    log_in(page, live_server.url, manager)
    page.goto(f"{live_server.url}/visits/team/")
    row = page.locator(f'[data-testid="flagged-{report.pk}"]')
    assert row.is_visible() and "恒力机械" in row.inner_text()
    assert page.locator('[data-testid="checkin-counts"]').inner_text().replace(" ", "") == "0/1"
    shot(page, "manager_checkin_flagged")
    desk.close()


@pytest.mark.django_db(transaction=True)
def test_the_calendar_shows_a_plan_three_weeks_ahead(browser, live_server, salesperson):
    customer = CustomerFactory(
        owner=salesperson, name="无锡精工机械有限公司", short_name="精工机械", grade="B"
    )
    plan = visit_services.visit_plan_create(
        actor=salesperson,
        customer_id=customer.pk,
        data={"purpose": "年度合同洽谈", "planned_at": timezone.now() + timedelta(weeks=3)},
    )
    context = phone_context(browser)
    page = context.new_page()
    log_in(page, live_server.url, salesperson)
    page.goto(f"{live_server.url}/visits/calendar/")
    entry = page.locator(f'[data-testid="cal-plan-{plan.pk}"]')
    if not entry.count():
        page.click('[data-testid="cal-next"]')
    entry.wait_for(state="visible")
    shot(page, "phone_calendar_month")
    page.goto(
        f"{live_server.url}/visits/calendar/?view=week&day={timezone.localdate(plan.planned_at):%Y-%m-%d}"
    )
    assert page.locator(f'[data-testid="cal-plan-{plan.pk}"]').is_visible()
    shot(page, "phone_calendar_week")
    page.goto(f"{live_server.url}/visits/plans/")
    assert page.locator(f'[data-testid="upcoming-{plan.pk}"]').is_visible()
    shot(page, "phone_upcoming")
    context.close()
