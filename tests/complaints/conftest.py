import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from complaints import services

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    """A moment in Shanghai time."""
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def open_ticket(db):
    """`open_ticket(actor, customer, **overrides)`: a ticket opened through the service."""

    def make(actor, customer, **kw):
        kw.setdefault("channel", "phone")
        kw.setdefault("complaint_type", "quality")
        kw.setdefault("description", "货物外包装破损，部分产品划伤")
        return services.ticket_create(actor=actor, customer_id=customer.pk, **kw)

    return make


@pytest.fixture
def assigned_ticket(open_ticket, salesperson, manager, customer, east):
    """A ticket of `customer` (opened by `salesperson`) assigned by the manager to `handler`."""

    def make(handler, **kw):
        now = kw.pop("now", None)
        ticket = open_ticket(salesperson, customer, now=now, **kw)
        return services.ticket_assign(
            actor=manager,
            ticket_id=ticket.pk,
            department=east,
            handler=handler,
            time_limit_at=ticket.deadline_at,
            now=now,
        )

    return make
