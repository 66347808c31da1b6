"""The 黑名单报表 at company scale (bench finding 5): the screen shows 50 entries a page with the
totals of the whole filtered report; the print layout and the Excel export hold every entry."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from blacklist.views import REPORT_PAGE_SIZE
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

REPORT = reverse("blacklist:report")


@pytest.fixture
def many(manager, report_entry):
    n = REPORT_PAGE_SIZE + 7
    for i in range(n):
        report_entry(CustomerFactory(department=manager.department), loss=1000 * (i + 1))
    return n


def test_screen_is_paginated_with_totals_of_the_whole_report(
    client_for, gm_office, many, django_assert_max_num_queries
):
    client = client_for(gm_office)
    with django_assert_max_num_queries(14):
        first = client.get(REPORT, {"state": "reported"})
    assert len(first.context["rows"]) == REPORT_PAGE_SIZE
    assert first.context["grand_total"]["entries"] == many and first.context["grand_total"]["pending"] == many
    assert first.context["page"].paginator.count == many
    body = first.content.decode()
    assert f"of {many}" in body or str(many) in body
    second = client.get(REPORT, {"state": "reported", "page": 2})
    assert len(second.context["rows"]) == many - REPORT_PAGE_SIZE
    assert second.context["grand_total"] == first.context["grand_total"]
    assert not {e.pk for e in first.context["rows"]} & {e.pk for e in second.context["rows"]}
    # The print and export links carry the filters, not the page.
    assert second.context["query"] == "state=reported"


def test_print_and_export_hold_every_entry(client_for, gm_office, many):
    client = client_for(gm_office)
    printed = client.get(reverse("blacklist:report_print"), {"page": 2})
    assert len(printed.context["rows"]) == many
    assert printed.content.decode().count('data-testid="report-row"') == many
    sheet = load_workbook(BytesIO(client.get(reverse("blacklist:report_export")).content)).active
    customers = {c.name for c in CustomerFactory._meta.model.objects.filter(blacklist_entries__isnull=False)}
    cells = {cell.value for row in sheet.iter_rows() for cell in row}
    assert customers <= cells
