"""The drill-down lists show a customer with the shared grade badge and blacklist mark (§4),
through the "customer" column kind, without a query per row."""

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from customers.models import Customer
from tests.crm.test_dashboard import NOW, PERSONAS, build_world

pytestmark = pytest.mark.django_db

LISTS = {  # list key -> who opens it
    "unconfirmed-archives": "assistant",
    "documents-expiring": "assistant",
    "my-proposals": "salesperson",
    "visit-reports": "manager",
}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


@pytest.fixture
def people(request):
    return {name: request.getfixturevalue(name) for name in PERSONAS}


def _page(client, key):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard_list", args=[key]))
    assert response.status_code == 200
    return response.content.decode().split('data-testid="drill-list"')[1].split("</table>")[0], len(queries)


@pytest.mark.parametrize("key", LISTS)
def test_customer_cells_carry_the_badges_with_constant_queries(client, people, key):
    client.force_login(people[LISTS[key]])
    build_world(people, 1)
    Customer.objects.update(is_blacklisted=True, blacklisted_until=date(2099, 1, 1))
    _page(client, key)  # the first request of the session also saves the session
    _html, few = _page(client, key)
    build_world(people, 3)
    Customer.objects.update(is_blacklisted=True, blacklisted_until=date(2099, 1, 1))
    html, many = _page(client, key)
    rows = html.count("<tr>") - 1  # the header row
    assert rows >= 2, key
    assert html.count('data-testid="blacklist-mark"') == rows, key
    assert "/customers/" in html, key
    if key != "unconfirmed-archives":  # those rows are ungraded archives
        assert html.count("grade-badge") == rows, key
    assert many == few, key
