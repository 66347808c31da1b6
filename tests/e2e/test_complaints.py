"""A complaint from receipt to closing, in the browser, each role on its own screen."""

import re

import pytest

from complaints.models import Status, Ticket
from crm.models import Role
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_out_of_province_a_customer_complaint_runs_through_every_role(
    page, phone_page, login, live_server, screenshot, salesperson, assistant, manager, east
):
    handler = UserFactory(username="handler1", full_name="质检员孙", role=Role.SALESPERSON, department=east)
    customer = CustomerFactory(
        name="广州远航精工有限公司", short_name="远航精工", owner=salesperson, grade="A", province="广东省"
    )
    # The assistant opens the ticket from the complaint form, preselected from the customer page link.
    login(page, assistant)
    page.goto(f"{live_server.url}/complaints/new/?customer={customer.pk}")
    page.select_option("#id_complaint_type", "quality")
    page.select_option("#id_channel", "phone")
    page.fill("#id_description", "收到的轴承尺寸超差，影响装配线")
    page.fill("#id_claim_amount", "20000")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/complaints/\d+/$"))
    ticket = Ticket.objects.get()
    assert ticket.number.startswith("TS-") and not ticket.in_province
    assert (ticket.deadline_at - ticket.received_at).total_seconds() == 48 * 3600
    assert page.get_by_test_id("status").inner_text() == "已受理"
    screenshot(page, "complaints_received")
    page.context.clear_cookies()

    # The manager sees it on top of the department list (A first) and assigns it.
    login(page, manager)
    page.goto(f"{live_server.url}/complaints/")
    page.get_by_role("link", name=ticket.number).click()
    form = page.get_by_test_id("assign-form")
    form.locator("select[name=assign-department]").select_option(str(east.pk))
    form.locator("select[name=assign-handler]").select_option(str(handler.pk))
    form.get_by_role("button").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("status").inner_text() == "处理中"
    page.context.clear_cookies()

    # The handler resolves it: root cause and corrective action.
    login(page, handler)
    page.goto(f"{live_server.url}/complaints/{ticket.pk}/")
    form = page.get_by_test_id("resolve-form")
    form.get_by_role("button").click()  # empty: the browser refuses (required fields)
    assert Ticket.objects.get().status == Status.ASSIGNED
    form.locator("textarea[name=resolve-root_cause]").fill("热处理工序温度漂移")
    form.locator("textarea[name=resolve-corrective_action]").fill("更换温控仪并全检库存")
    form.get_by_role("button").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("status").inner_text() == "已处理"
    page.context.clear_cookies()

    # The salesperson, on the phone, records the return visit.
    login(phone_page, salesperson)
    phone_page.goto(f"{live_server.url}/complaints/{ticket.pk}/")
    form = phone_page.get_by_test_id("return-visit-form")
    form.locator("select[name=rv-satisfaction]").select_option("4")
    form.locator("textarea[name=rv-confirmation]").fill("客户确认更换后装配正常")
    form.get_by_role("button").click()
    phone_page.wait_for_load_state()
    assert phone_page.get_by_test_id("status").inner_text() == "已回访"
    assert "4/5" in phone_page.get_by_test_id("return-visit").inner_text()
    screenshot(phone_page, "complaints_return_visit_phone")

    # The manager closes it.
    login(page, manager)
    page.goto(f"{live_server.url}/complaints/{ticket.pk}/")
    page.get_by_test_id("close-form").get_by_role("button").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("status").inner_text() == "已关闭"
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.return_visit_report_id
    assert page.get_by_test_id("timeline").locator("li").count() == 5
    screenshot(page, "complaints_closed")
