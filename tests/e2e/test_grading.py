"""Grading in the browser: a manager bulk-approves in the admin, 总经办 approves an A promotion,
the salesperson sees the new grade and the notification on the phone."""

import re

import pytest

from customers.models import Customer, YearlyFigure
from grading.models import GradeProposal, ProposalState
from grading.services import evaluation_create, proposal_create
from tests.factories import CustomerFactory
from tests.grading.conftest import grant_grading_permissions

pytestmark = pytest.mark.django_db(transaction=True)

GOOD = {"volume": 95, "payment": 90, "reputation": 90, "loyalty": 85, "growth": 85}


def _context_page(browser, **kwargs):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **kwargs)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def test_manager_bulk_approves_gm_approves_a_salesperson_sees_it(
    browser, live_server, login, screenshot, salesperson, manager, gm_office
):
    grant_grading_permissions()  # a flush by an earlier transactional test removes them
    up = CustomerFactory(name="无锡新锐电气有限公司", short_name="新锐电气", owner=salesperson, grade="C")
    down = CustomerFactory(name="常州远航包装有限公司", short_name="远航包装", owner=salesperson, grade="C")
    star = CustomerFactory(name="宁波永盛贸易有限公司", short_name="永盛贸易", owner=salesperson, grade="B")
    YearlyFigure.objects.create(customer=star, year=2025, business_volume=3_600_000)
    p_up = proposal_create(actor=salesperson, customer_id=up.pk, to_grade="B", reason="订单量增长")
    p_down = proposal_create(actor=salesperson, customer_id=down.pk, to_grade="D", reason="业务量下降")
    ev = evaluation_create(actor=salesperson, customer_id=star.pk, period_year=2025, scores=GOOD)
    p_star = proposal_create(
        actor=salesperson,
        customer_id=star.pk,
        to_grade="A",
        reason="年度业务量超过300万",
        evaluation_id=ev.pk,
    )

    # 1. The manager approves two proposals at once with the bulk action and a comment.
    context, page = _context_page(browser)
    login(page, manager)
    page.goto(f"{live_server.url}/admin/grading/gradeproposal/")
    for p in (p_up, p_down):
        page.check(f"input.action-select[value='{p.pk}']")
    page.select_option("select[name=action]", "approve_selected")
    page.click("button[name=index]")
    page.fill("#id_comment", "同意调整")
    screenshot(page, "grading_bulk_confirm")
    page.click("input[type=submit].default")
    page.wait_for_url(re.compile(r"/admin/grading/gradeproposal/"))
    assert page.locator(".messagelist .success").count() == 1
    # The A promotion: the manager's step, from the change page.
    page.goto(f"{live_server.url}/admin/grading/gradeproposal/{p_star.pk}/change/")
    page.fill("#id_decision_comment", "业绩突出")
    page.click("button[name=decision][value=approve]")
    page.wait_for_url(re.compile(r"/admin/grading/gradeproposal/$"))
    context.close()
    assert set(GradeProposal.objects.filter(pk__in=[p_up.pk, p_down.pk]).values_list("state", flat=True)) == {
        "approved"
    }
    assert GradeProposal.objects.get(pk=p_star.pk).state == ProposalState.PENDING_GM
    assert Customer.objects.get(pk=star.pk).grade == "B"

    # 2. 总经办 finds the A promotion awaiting it and approves.
    context, page = _context_page(browser)
    login(page, gm_office)
    page.goto(f"{live_server.url}/admin/grading/gradeproposal/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1 and "永盛贸易" in rows.first.inner_text()
    rows.first.locator("th a, td a").first.click()
    page.fill("#id_decision_comment", "批准升为A级")
    screenshot(page, "grading_gm_change_page")
    page.click("button[name=decision][value=approve]")
    page.wait_for_url(re.compile(r"/admin/grading/gradeproposal/$"))
    context.close()
    assert Customer.objects.get(pk=star.pk).grade == "A"

    # 3. The salesperson, on the phone, sees the new grade and the notification.
    context, page = _context_page(
        browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    login(page, salesperson)
    page.goto(f"{live_server.url}/customers/{star.pk}/#panel-grading")
    assert page.locator("[data-testid=current-grade]").inner_text().strip() == "A"
    history = page.locator("[data-testid=grade-history]").inner_text()
    assert "B → A" in history and "陈静" in history and "赵总" in history
    screenshot(page, "grading_salesperson_panel_phone")
    page.goto(f"{live_server.url}/notifications/")
    body = page.locator("main").inner_text()
    assert "等级调整已批准" in body and "永盛贸易" in body
    context.close()
