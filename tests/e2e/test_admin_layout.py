"""The proposal list at 1280 px: 部门 and 状态 on one line each (issue 14 §18)."""

import pytest

from grading.services import proposal_create
from tests.factories import CustomerFactory
from tests.grading.conftest import grant_grading_permissions

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_proposal_list_keeps_department_and_state_on_one_line(
    page, live_server, login, screenshot, salesperson, manager
):
    grant_grading_permissions()
    for name, short in (("无锡新锐电气有限公司", "新锐电气"), ("常州远航包装有限公司", "远航包装")):
        customer = CustomerFactory(name=name, short_name=short, owner=salesperson, grade="C")
        proposal_create(
            actor=salesperson,
            customer_id=customer.pk,
            to_grade="B",
            reason="订单量连续两个季度增长，客户新增两条产线，预计年度业务量超过一百五十万元",
        )
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, manager)
    page.goto(f"{live_server.url}/admin/grading/gradeproposal/?show=all")
    screenshot(page, "admin_proposals_1280")
    line = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('#result_list td.field-department')).lineHeight)"
    )
    for column in ("department", "state", "customer_name"):
        heights = page.eval_on_selector_all(
            f"#result_list .field-{column}",
            "cells => cells.map(c => { const r = document.createRange();"
            " r.selectNodeContents(c); return r.getBoundingClientRect().height; })",
        )
        assert heights and max(heights) < 1.6 * line, (column, heights, line)
    # Every column is on screen: the results do not scroll sideways.
    assert page.evaluate(
        "(() => { const r = document.querySelector('#changelist .results');"
        " return r.scrollWidth <= r.clientWidth; })()"
    )
    header = page.locator("#user-tools").inner_text()
    assert manager.full_name in header
