"""The 工作台 in a browser, for each role: it renders, its charts are drawn (pixels on the
canvas, data in the Chart instance), a figure's link opens the matching list; screenshots at
1280×800 and 390×844 under tests/e2e/screenshots/."""

import re

import pytest
import time_machine

from tests.crm.test_dashboard import NOW, PERSONAS, build_world

pytestmark = pytest.mark.django_db(transaction=True)

# How many pixels of a canvas are painted, and the sum of the Chart instance's data.
CANVAS_INK = """(canvas) => {
  const ctx = canvas.getContext("2d");
  const img = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < img.length; i += 4) { if (img[i] > 0) painted++; }
  const chart = window.Chart.getChart(canvas);
  const total = chart.data.datasets.reduce(
    (s, d) => s + d.data.reduce((a, v) => a + (typeof v === "number" ? v : 0), 0), 0);
  return {painted, total, width: canvas.width};
}"""


@pytest.fixture
def world(request):
    people = {name: request.getfixturevalue(name) for name in PERSONAS}
    with time_machine.travel(NOW, tick=True):
        build_world(people, 1)
        yield people


def assert_chart_drawn(page, key, *, zeros=False):
    """Painted pixels and the numbers in the Chart instance (`zeros`: rates that are all 0 %)."""
    canvas = page.locator(f'[data-testid="chart-{key}"] canvas')
    canvas.scroll_into_view_if_needed()
    page.wait_for_selector(f'[data-testid="chart-{key}"] canvas[data-chart-ready="1"]')
    ink = canvas.evaluate(CANVAS_INK)
    assert ink["width"] > 0 and ink["painted"] > 500 and (zeros or ink["total"] > 0), (key, ink)


def tile_value(page, key) -> int:
    return int(page.locator(f'[data-testid="tile-{key}"] [data-testid="tile-value"]').inner_text())


def shoot_both(browser, live_server, login, screenshot, user, name):
    """The dashboard at 1280×800 and on a 390×844 phone (charts still drawn on the phone)."""
    for suffix, viewport in (
        ("desktop", {"width": 1280, "height": 800}),
        ("phone", {"width": 390, "height": 844}),
    ):
        context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
        page = context.new_page()
        page.set_default_timeout(10_000)
        login(page, user)
        page.goto(f"{live_server.url}/")
        page.wait_for_selector('canvas[data-chart-ready="1"]')
        screenshot(page, f"dashboard-{name}-{suffix}")
        if suffix == "phone":
            # Nothing wider than the phone: the page does not scroll sideways.
            assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
        context.close()


def test_salesperson_dashboard(page, browser, live_server, login, screenshot, world):
    sales = world["salesperson"]
    login(page, sales)
    page.goto(f"{live_server.url}/")
    assert_chart_drawn(page, "customers.by_grade")
    assert tile_value(page, "visits.overdue") == 1
    # The grade table lists the counts; its link opens the customer list with the same rows.
    page.locator('[data-testid="chart-customers.by_grade"] summary').click()
    link = page.locator('[data-testid="chart-customers.by_grade"] table a').first
    expected = int(re.sub(r"\D", "", link.inner_text()))
    link.click()
    page.wait_for_url(re.compile(r"/customers/\?"))
    assert page.locator('[data-testid="customer-table"] tbody tr').count() == expected
    page.goto(f"{live_server.url}/")
    page.locator('[data-testid="tile-complaints.mine"]').click()
    page.wait_for_url(re.compile(r"/complaints/\?scope=mine&state=open"))
    assert page.locator('[data-testid="ticket-list"] tbody tr').count() == 1
    shoot_both(browser, live_server, login, screenshot, sales, "salesperson")


def test_assistant_dashboard(page, browser, live_server, login, screenshot, world):
    assistant = world["assistant"]
    login(page, assistant)
    page.goto(f"{live_server.url}/")
    assert_chart_drawn(page, "customers.by_grade")
    expiring = tile_value(page, "customers.documents_expiring")
    assert expiring == 1
    page.locator('[data-testid="tile-customers.documents_expiring"]').click()
    page.wait_for_url(re.compile(r"/dashboard/lists/documents-expiring/"))
    assert page.locator('[data-testid="list-count"]').inner_text() == str(expiring)
    assert page.locator('[data-testid="drill-list"] tbody tr').count() == expiring
    shoot_both(browser, live_server, login, screenshot, assistant, "assistant")


def test_manager_dashboard(page, browser, live_server, login, screenshot, world):
    manager = world["manager"]
    login(page, manager)
    page.goto(f"{live_server.url}/")
    for key in (
        "visits.per_salesperson",
        "visits.overdue",
        "visits.compliance",
        "grading.round_change",
        "blacklist.summary",
        "customers.by_grade",
    ):
        assert_chart_drawn(page, key)
    assert_chart_drawn(page, "complaints.measures", zeros=True)  # no complaint resolved yet: 0 %
    overdue = tile_value(page, "visits.overdue")
    assert overdue == 3
    page.locator('[data-testid="tile-visits.overdue"]').click()
    page.wait_for_url(re.compile(r"/visits/team/"))
    assert page.locator('[data-testid="overdue-table"] tbody tr').count() == overdue
    # The xlsx of a chart downloads.
    page.goto(f"{live_server.url}/")
    with page.expect_download() as download:
        page.locator('[data-testid="chart-visits.overdue"] [data-testid="chart-export"]').click()
    # Named after the chart's title in the reader's language (RFC 5987), with the date.
    name = download.value.suggested_filename
    assert name.startswith("各业务员逾期未拜访客户-") and name.endswith(".xlsx"), name
    shoot_both(browser, live_server, login, screenshot, manager, "manager")


def test_gm_office_dashboard(page, browser, live_server, login, screenshot, world):
    gm = world["gm_office"]
    login(page, gm)
    page.goto(f"{live_server.url}/")
    for key in ("customers.grade_by_department", "blacklist.summary", "visits.per_department"):
        assert_chart_drawn(page, key)
    assert_chart_drawn(page, "complaints.by_department", zeros=True)
    escalated = tile_value(page, "complaints.escalated")
    assert escalated == 2
    page.locator('[data-testid="tile-complaints.escalated"]').click()
    page.wait_for_url(re.compile(r"/complaints/\?scope=escalated&state=open"))
    assert page.locator('[data-testid="ticket-list"] tbody tr').count() == escalated
    shoot_both(browser, live_server, login, screenshot, gm, "gm-office")
