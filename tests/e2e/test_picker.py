"""Issue 14.15 on a phone: the visit customer picker searches live by pinyin initials (htmx),
shows the full name beside a repeated short name and the blacklist mark, and pages."""

import datetime as dt

from playwright.sync_api import expect

from tests.factories import CustomerFactory


def test_picker_live_search_by_initials_on_a_phone(phone_page, login, live_server, salesperson, screenshot):
    CustomerFactory(
        owner=salesperson,
        name="苏州东方电子科技有限公司",
        short_name="东方电子",
        city="苏州",
        is_blacklisted=True,
        blacklisted_until=dt.date(2027, 5, 1),
    )
    CustomerFactory(owner=salesperson, name="无锡东方电子有限公司", short_name="东方电子", city="无锡")
    CustomerFactory(owner=salesperson, name="北京恒力股份有限公司", short_name="恒力股份", city="北京")
    for i in range(40):
        CustomerFactory(
            owner=salesperson, name=f"安徽测试{i:02d}有限公司", short_name=f"测试{i:02d}", city="合肥"
        )

    page = login(phone_page, salesperson)
    page.goto(f"{live_server.url}/visits/pick/?for=plan")
    assert page.locator("[data-testid=pick-row]").count() == 30
    assert page.get_by_role("link", name="下一页").count() == 1 or page.locator(".pagination").count() == 1
    screenshot(page, "visits_picker_phone")

    page.fill("input[name=q]", "dfdz")
    expect(page.locator("[data-testid=pick-row]")).to_have_count(2)
    rows = page.locator("[data-testid=pick-row]")
    assert "dfdz" in page.url  # the search is in the address (back button, reload)
    texts = [rows.nth(i).inner_text() for i in range(2)]
    assert any("苏州东方电子科技有限公司" in t for t in texts) and any(
        "无锡东方电子有限公司" in t for t in texts
    )
    assert page.locator("[data-testid=pick-row] [data-testid=blacklist-mark]").count() == 1
    screenshot(page, "visits_picker_search_phone")

    page.fill("input[name=q]", "hlgf")
    expect(page.locator("[data-testid=pick-row]")).to_have_count(1)
    page.locator("[data-testid=pick-row]").first.click()
    page.wait_for_url("**/visits/plans/new/**")
