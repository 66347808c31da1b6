"""Date edges: 29 February, 31 August + 6 months, the turn of the year for ticket numbers, a ticket
resolved one second before its escalation."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from blacklist import services as blacklist_services
from blacklist.models import BlacklistEntry
from complaints import services as complaint_services
from complaints.models import Ticket
from complaints.services.deadlines import complaint_deadlines_escalate
from crm.models import Notification
from crm.services import add_months
from customers.models import Customer
from customers.services import archive_update_reminders_send

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return dt.datetime(*args, tzinfo=SH)


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 28)),
        (dt.date(2027, 8, 31), 6, dt.date(2028, 2, 29)),  # leap year
        (dt.date(2028, 2, 29), 6, dt.date(2028, 8, 29)),
        (dt.date(2028, 2, 29), 12, dt.date(2029, 2, 28)),
        (dt.date(2028, 2, 29), -6, dt.date(2027, 8, 29)),
        (dt.date(2026, 12, 31), 2, dt.date(2027, 2, 28)),
        (dt.date(2026, 3, 31), -1, dt.date(2026, 2, 28)),
    ],
)
def test_calendar_months(start, months, end):
    assert add_months(start, months) == end


@pytest.mark.parametrize(
    ("approved", "longest"),
    [
        (at(2026, 8, 31, 10), dt.date(2027, 2, 28)),
        (at(2027, 8, 31, 10), dt.date(2028, 2, 29)),
        (at(2028, 2, 29, 10), dt.date(2028, 8, 29)),
    ],
)
def test_blacklist_validity_on_month_ends_and_29_february(approved, longest, manager, gm_office, customer):
    entry = blacklist_services.blacklist_entry_report(
        actor=manager,
        customer_id=customer.pk,
        reason_category="payment",
        reason="拖欠",
        loss_amount=1,
        now=approved,
    )
    with pytest.raises(blacklist_services.BlacklistError):
        blacklist_services.blacklist_entry_approve(
            actor=gm_office, entry_id=entry.pk, ends_on=longest + dt.timedelta(days=1), now=approved
        )
    entry = blacklist_services.blacklist_entry_approve(actor=gm_office, entry_id=entry.pk, now=approved)
    assert entry.starts_on == approved.date() and entry.ends_on == longest
    # The expiry job: still active on the last day, expired the day after.
    blacklist_services.blacklist_entry_expire(now=at(longest.year, longest.month, longest.day, 23, 59))
    assert BlacklistEntry.objects.get(pk=entry.pk).state == "active"
    next_day = longest + dt.timedelta(days=1)
    blacklist_services.blacklist_entry_expire(now=at(next_day.year, next_day.month, next_day.day, 0, 20))
    assert BlacklistEntry.objects.get(pk=entry.pk).state == "expired"


def test_the_database_refuses_a_period_longer_than_six_calendar_months(manager, gm_office, customer):
    from django.db import IntegrityError, transaction

    approved = at(2026, 8, 31, 10)
    entry = blacklist_services.blacklist_entry_report(
        actor=manager,
        customer_id=customer.pk,
        reason_category="payment",
        reason="拖欠",
        loss_amount=1,
        now=approved,
    )
    entry = blacklist_services.blacklist_entry_approve(actor=gm_office, entry_id=entry.pk, now=approved)
    with pytest.raises(IntegrityError), transaction.atomic():
        BlacklistEntry.objects.filter(pk=entry.pk).update(ends_on=dt.date(2027, 3, 1))


@pytest.mark.parametrize(
    ("confirmed", "quiet_until", "due_on"),
    [
        (at(2026, 8, 31, 9), at(2027, 2, 27, 23), dt.date(2027, 2, 28)),
        (at(2028, 2, 29, 9), at(2028, 8, 28, 23), dt.date(2028, 8, 29)),
    ],
)
def test_the_half_yearly_reminder_falls_due_on_the_calendar_date(confirmed, quiet_until, due_on, customer):
    Customer.objects.filter(pk=customer.pk).update(last_confirmed_at=confirmed, created_at=confirmed)
    assert archive_update_reminders_send(now=quiet_until)["reminders"] == 0
    after = at(due_on.year, due_on.month, due_on.day, 10) + dt.timedelta(days=1)
    assert archive_update_reminders_send(now=after)["reminders"] == 1
    assert archive_update_reminders_send(now=after + dt.timedelta(days=30))["reminders"] == 0
    assert Notification.objects.get().dedup_key == f"archive-update:{customer.pk}:{due_on.isoformat()}"


def test_ticket_numbers_restart_at_the_turn_of_the_year_in_shanghai_time(salesperson, customer):
    def ticket(received):
        with time_machine.travel(received, tick=False):
            return complaint_services.ticket_create(
                actor=salesperson,
                customer_id=customer.pk,
                channel="phone",
                complaint_type="quality",
                description="破损",
                received_at=received,
            )

    assert ticket(at(2026, 12, 31, 23, 59, 58)).number == "TS-2026-000001"
    assert ticket(at(2026, 12, 31, 23, 59, 59)).number == "TS-2026-000002"
    # 16:00 UTC on 31 December is already 1 January in Shanghai.
    first = ticket(dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC))
    assert first.number == "TS-2027-000001"
    assert ticket(at(2027, 1, 1, 8)).number == "TS-2027-000002"
    assert Ticket.objects.filter(number__startswith="TS-2026-").count() == 2


def test_a_ticket_resolved_one_second_before_its_deadline_is_never_escalated(
    salesperson, manager, customer, east
):
    received = at(2026, 6, 1, 9)
    with time_machine.travel(received, tick=False):
        ticket = complaint_services.ticket_create(
            actor=salesperson,
            customer_id=customer.pk,
            channel="phone",
            complaint_type="quality",
            description="划伤",
            received_at=received,
        )
        late = complaint_services.ticket_create(
            actor=salesperson,
            customer_id=customer.pk,
            channel="phone",
            complaint_type="quality",
            description="延误",
            received_at=received,
        )
    deadline = ticket.deadline_at
    for t in (ticket, late):
        complaint_services.ticket_assign(
            actor=manager,
            ticket_id=t.pk,
            department=east,
            handler=manager,
            time_limit_at=deadline,
            now=received + dt.timedelta(hours=1),
        )
    one_second_before = deadline - dt.timedelta(seconds=1)
    complaint_services.ticket_resolve(
        actor=manager, ticket_id=ticket.pk, root_cause="包装", corrective_action="加固", now=one_second_before
    )
    assert complaint_deadlines_escalate(now=one_second_before)["overdue"] == 0, "not yet due"
    assert complaint_deadlines_escalate(now=deadline)["overdue"] == 1, (
        "the other one, exactly at its deadline"
    )
    assert complaint_deadlines_escalate(now=deadline + dt.timedelta(hours=5))["overdue"] == 0
    assert Ticket.objects.get(pk=ticket.pk).overdue_escalated_at is None
    assert Ticket.objects.get(pk=late.pk).overdue_escalated_at == deadline
