"""总经办 approves a blacklist entry, opens the 黑名单报表, filters by department, downloads the xlsx."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from blacklist import services
from blacklist.models import BlacklistEntry, EntryState

pytestmark = pytest.mark.django_db(transaction=True)


def test_gm_office_approves_then_reports_and_exports(
    page, live_server, login, screenshot, gm_office, manager, south_manager, customer, south_customer
):
    entry = services.blacklist_entry_report(
        actor=manager,
        customer_id=customer.pk,
        reason_category="payment",
        reason="连续三个季度拖欠货款",
        loss_amount=286_000,
    )
    services.blacklist_entry_report(
        actor=south_manager,
        customer_id=south_customer.pk,
        reason_category="fraud",
        reason="提供虚假资质",
        loss_amount=50_000,
    )
    login(page, gm_office)

    page.goto(f"{live_server.url}/blacklist/entries/{entry.pk}/")
    page.get_by_test_id("approve-entry").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("entry-state").inner_text() == "生效"
    assert BlacklistEntry.objects.get(pk=entry.pk).state == EntryState.ACTIVE
    screenshot(page, "blacklist-entry-approved")

    page.get_by_role("link", name="黑名单").first.click()
    page.wait_for_url("**/blacklist/report/**")
    assert page.get_by_test_id("report-row").count() == 2
    page.select_option("#id_department", label=customer.department.name)
    page.wait_for_url("**department=*")
    rows = page.get_by_test_id("report-row")
    assert rows.count() == 1
    assert customer.name in rows.first.inner_text() and "生效" in rows.first.inner_text()
    screenshot(page, "blacklist-report-filtered")

    with page.expect_download() as info:
        page.get_by_test_id("export-xlsx").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as fh:  # the download has no extension: read it as bytes
        ws = load_workbook(BytesIO(fh.read())).active
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert len(data) == 1 and data[0][1] == customer.name and data[0][2] == customer.credit_code
