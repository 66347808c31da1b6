"""Shared set-up of the visits tests: a frozen clock and customers at a given cadence state."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from customers.models import Customer
from tests.factories import ContactFactory, CustomerFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 17, 10, 0, tzinfo=SHANGHAI)  # a Wednesday
TODAY = NOW.date()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def cadence_customer(owner, *, grade="A", visited_days_ago=None, graded_days_ago=400, **kwargs) -> Customer:
    """A customer of `owner` whose last on-site visit was `visited_days_ago` days before TODAY."""
    return CustomerFactory(
        owner=owner,
        grade=grade,
        grade_since=TODAY - timedelta(days=graded_days_ago),
        last_onsite_visit_on=TODAY - timedelta(days=visited_days_ago)
        if visited_days_ago is not None
        else None,
        **kwargs,
    )


@pytest.fixture
def contact(customer):
    return ContactFactory(customer=customer, name="王经理", is_primary=True)


# Smallest valid images/documents for upload tests.
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
