"""The rules and shared steps of the complaint workflow (domain §6): the error shown to the user,
the ticket number, the deadline, the lock, the timeline, escalation, attachments."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.date_bounds import check_datetime
from crm.forms import messages_from
from crm.models import User
from crm.services import company_language, gm_office_users, notification_send
from crm.uploads import DOCUMENTS, safe_display_name, upload_store, validate_upload
from customers.models import Customer

from ..models import ComplaintPolicy, EventKind, Ticket, TicketAttachment, TicketCounter, TicketEvent


class ComplaintError(Exception):
    """A rule of the complaint workflow was broken; the message is shown to the user."""


# --- Rules -----------------------------------------------------------------------------------


def ticket_number_next(*, year: int) -> str:
    """The next number of the year (TS-2026-000123); call inside the creating transaction.

    The counter row is locked until the ticket commits, so two tickets never share a number;
    a rolled-back creation leaves a gap, which is allowed (never reused, not gap-free).
    """
    TicketCounter.objects.get_or_create(year=year)
    counter = TicketCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"TS-{year}-{counter.last_number:06d}"


def is_in_province(customer: Customer, policy: ComplaintPolicy) -> bool:
    """省内 when the customer's province is the company's; an unknown province counts as in-province,
    the stricter deadline, so a gap in the archive never gives a complaint more time."""
    return not customer.province or customer.province == policy.company_province


def deadline_for(*, customer: Customer, received_at: datetime, policy: ComplaintPolicy) -> datetime:
    """省内24小时, 省外48小时, counted from receipt (elapsed hours, not working hours)."""
    hours = policy.in_province_hours if is_in_province(customer, policy) else policy.out_of_province_hours
    return received_at + timedelta(hours=hours)


def _lock(ticket_id: int) -> Ticket:
    return Ticket.objects.select_for_update().select_related("customer").get(pk=ticket_id)


def _ensure(allowed: bool, ticket: Ticket, action: str) -> None:
    if not allowed:
        raise ComplaintError(
            _("%(action)s is not possible: the ticket is %(status)s, or it is not your role to do it.")
            % {"action": action, "status": ticket.get_status_display()}
        )


def _event(
    ticket: Ticket, *, kind: str, actor: User | None, at: datetime, note: str = "", params: dict | None = None
) -> TicketEvent:
    """One line of the timeline: `note` only for what a person typed, the rest as neutral
    `params` that TicketEvent.text words in the reader's language."""
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, actor=actor, at=at, note=note, params=params or {}
    )


def _url(ticket: Ticket) -> str:
    return reverse("complaints:detail", args=[ticket.pk])


def _notify_major(ticket: Ticket, event: TicketEvent) -> None:
    with company_language():
        notification_send(
            recipients=gm_office_users(),
            kind="complaint_major",
            title=_("Major complaint %(number)s: %(customer)s")
            % {"number": ticket.number, "customer": ticket.customer.name},
            body=event.text,
            url=_url(ticket),
            dedup_key=f"complaint-major:{ticket.pk}",
        )


def _mark_major(
    ticket: Ticket, *, actor: User | None, now: datetime, reason: str = "", params: dict | None = None
) -> None:
    """Escalate: `reason` is what the escalating person typed; an automatic escalation leaves
    it empty and gives its facts in `params` (worded at display time, see TicketEvent.text)."""
    ticket.is_major = True
    ticket.major_at = now
    ticket.major_reason = reason[:200]
    event = _event(ticket, kind=EventKind.ESCALATED, actor=actor, at=now, note=reason, params=params)
    _notify_major(ticket, event)


def _check_typed(value: datetime, *, now: datetime) -> None:
    """A typed time within crm.date_bounds (issue 13.3: a year-1 receipt broke every page)."""
    try:
        check_datetime(value, now=now)
    except ValidationError as exc:
        raise ComplaintError(" ".join(exc.messages)) from exc


def _check_file(f) -> None:
    try:
        validate_upload(f, allowed=DOCUMENTS)
    except ValidationError as exc:
        raise ComplaintError(messages_from(exc)) from exc


def _attach(ticket: Ticket, f, *, actor: User, now: datetime) -> TicketAttachment:
    kind = validate_upload(f, allowed=DOCUMENTS)
    att = TicketAttachment(
        ticket=ticket,
        original_name=safe_display_name(f.name),
        content_type=kind.content_type,
        size=f.size,
        uploaded_by=actor,
    )
    upload_store(att, f, kind)
    _event(ticket, kind=EventKind.ATTACHMENT, actor=actor, at=now, note=att.original_name)
    return att
