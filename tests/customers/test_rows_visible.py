"""Customer.objects.rows_visible_to: another table's rows by the one visibility rule (domain §1)."""

import datetime as dt

import pytest

from customers.models import Customer
from tests.factories import CustomerFactory
from visits.models import VisitReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports(salesperson, other_salesperson, south_salesperson):
    """One visit report for each of: mine, a colleague's, the south's, a deleted one of mine."""
    made = {}
    for key, owner, deleted in [
        ("mine", salesperson, False),
        ("colleague", other_salesperson, False),
        ("south", south_salesperson, False),
        ("deleted", salesperson, True),
    ]:
        c = CustomerFactory(owner=owner, is_deleted=deleted)
        made[key] = VisitReport.objects.create(customer=c, author=owner, visited_on=dt.date(2026, 11, 2))
    return made


def _seen(user, reports):
    rows = Customer.objects.rows_visible_to(VisitReport.objects.all(), user)
    ids = set(rows.values_list("pk", flat=True))
    return {k for k, r in reports.items() if r.pk in ids}


def test_each_role_sees_the_rows_of_the_customers_it_sees(
    reports, salesperson, manager, south_manager, gm_office, administrator
):
    assert _seen(salesperson, reports) == {"mine"}
    assert _seen(manager, reports) == {"mine", "colleague"}
    assert _seen(south_manager, reports) == {"south"}
    # 总经办 and the administrator: everything but the deleted customer's rows.
    assert _seen(gm_office, reports) == {"mine", "colleague", "south"}
    assert _seen(administrator, reports) == {"mine", "colleague", "south"}


def test_the_same_rows_as_visible_to(reports, salesperson, manager, gm_office):
    for user in (salesperson, manager, gm_office):
        expected = set(
            VisitReport.objects.filter(customer__in=Customer.objects.visible_to(user)).values_list(
                "pk", flat=True
            )
        )
        rows = Customer.objects.rows_visible_to(VisitReport.objects.all(), user)
        assert set(rows.values_list("pk", flat=True)) == expected


def test_an_inactive_user_sees_nothing(reports, gm_office):
    gm_office.is_active = False
    assert _seen(gm_office, reports) == set()


def test_no_deleted_customer_at_all(salesperson, gm_office):
    c = CustomerFactory(owner=salesperson)
    VisitReport.objects.create(customer=c, author=salesperson, visited_on=dt.date(2026, 11, 2))
    assert Customer.objects.rows_visible_to(VisitReport.objects.all(), gm_office).count() == 1
