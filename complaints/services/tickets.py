"""Every state change of a complaint ticket (domain §6): the workflow and its rules.

Workflow: 已受理 received → 处理中 assigned → 已处理 resolved → 已回访 return visit done →
已关闭 closed. Each transition locks the ticket (select_for_update), checks the state and the
actor's role (raising ComplaintError, shown to the user), writes a timeline event and an
audit entry, and leaves e-mail to after commit (crm.services.notification_send).

Who may do what is decided in complaints/permissions.py (`ticket_assign_allowed`, ...); the
transitions raise ComplaintError when it says no. The shared steps (lock, timeline, escalation,
attachments) are in rules.py, the feedback log and attachments of an open ticket in records.py.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.forms import messages_from
from crm.models import Department, User
from crm.services import audit_record, company_language, managers_of, notification_send
from customers.models import Customer
from customers.selectors import customer_list_for
from visits.services import VisitError, visit_report_create

from .. import permissions
from ..models import ComplaintPolicy, EventKind, Status, Ticket
from .rules import (
    ComplaintError,
    _attach,
    _check_file,
    _check_typed,
    _ensure,
    _event,
    _lock,
    _mark_major,
    _url,
    deadline_for,
    is_in_province,
    ticket_number_next,
)


def ticket_create(
    *,
    actor: User,
    customer_id: int,
    channel: str,
    complaint_type: str,
    description: str,
    received_at: datetime | None = None,
    claim_amount: Decimal | int = 0,
    files=(),
    now: datetime | None = None,
) -> Ticket:
    """Register a complaint (投诉受理单) for a customer the actor may see.

    The deadline follows the customer's province; a claim at or above the policy threshold
    makes it a major complaint at once. Raises ComplaintError for an invisible customer, a
    receipt in the future or an invalid field.
    """
    now = now or timezone.now()
    received_at = received_at or now
    if received_at > now + timedelta(minutes=5):
        raise ComplaintError(_("The time of receipt cannot be in the future."))
    _check_typed(received_at, now=now)
    for f in files:
        _check_file(f)
    policy = ComplaintPolicy.load()
    with transaction.atomic():
        customer = customer_list_for(actor).filter(pk=customer_id).first()
        if customer is None:
            raise ComplaintError(_("You cannot open a complaint for this customer."))
        year = timezone.localtime(received_at).year
        ticket = Ticket(
            number=ticket_number_next(year=year),
            customer=customer,
            channel=channel,
            complaint_type=complaint_type,
            description=(description or "").strip(),
            received_at=received_at,
            received_by=actor,
            claim_amount=Decimal(claim_amount or 0),
            in_province=is_in_province(customer, policy),
            deadline_at=deadline_for(customer=customer, received_at=received_at, policy=policy),
        )
        try:
            ticket.full_clean(exclude=["number"])
        except ValidationError as exc:
            raise ComplaintError(messages_from(exc)) from exc
        ticket.save()
        _event(
            ticket, kind=EventKind.RECEIVED, actor=actor, at=received_at, params={"channel": ticket.channel}
        )
        for f in files:
            _attach(ticket, f, actor=actor, now=now)
        if ticket.claim_amount >= policy.escalation_threshold:
            _mark_major(
                ticket,
                actor=None,
                now=now,
                params={
                    "amount": f"{ticket.claim_amount:,.2f}",
                    "threshold": f"{policy.escalation_threshold:,.2f}",
                },
            )
            ticket.save(update_fields=["is_major", "major_at", "major_reason"])
        audit_record(
            actor=actor,
            action="complaints.ticket.created",
            target=ticket,
            after={
                "customer": customer.pk,
                "type": complaint_type,
                "claim": ticket.claim_amount,
                "deadline": ticket.deadline_at,
                "major": ticket.is_major,
            },
        )
        with company_language():
            notification_send(
                recipients=managers_of([customer.department_id]),
                kind="complaint_received",
                title=_("New complaint %(number)s: %(customer)s, please assign")
                % {"number": ticket.number, "customer": customer.name},
                body=ticket.description[:500],
                url=_url(ticket),
            )
    return ticket


def ticket_assign(
    *,
    actor: User,
    ticket_id: int,
    department: Department,
    handler: User,
    time_limit_at: datetime,
    now: datetime | None = None,
) -> Ticket:
    """已受理 → 处理中: the manager sets the responsible department, the handler and the time limit.

    Also re-assigns a ticket in progress. The handler must be an active member of the
    responsible department; the time limit must lie after receipt.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _lock(ticket_id)
        _ensure(permissions.ticket_assign_allowed(actor, ticket), ticket, _("Assigning"))
        if not handler.is_active or handler.department_id != department.pk:
            raise ComplaintError(_("The handler must be an active member of the responsible department."))
        if time_limit_at <= ticket.received_at:
            raise ComplaintError(_("The time limit must be after the time of receipt."))
        before = {
            "status": ticket.status,
            "handler": ticket.handler_id,
            "department": ticket.responsible_department_id,
        }
        ticket.status = Status.ASSIGNED
        ticket.responsible_department = department
        ticket.handler = handler
        ticket.time_limit_at = time_limit_at
        ticket.assigned_at = now
        ticket.save(
            update_fields=[
                "status",
                "responsible_department",
                "handler",
                "time_limit_at",
                "assigned_at",
                "updated_at",
            ]
        )
        _event(
            ticket,
            kind=EventKind.ASSIGNED,
            actor=actor,
            at=now,
            params={
                "department": str(department),
                "handler": str(handler),
                "limit": timezone.localtime(time_limit_at).strftime("%Y-%m-%d %H:%M"),
            },
        )
        audit_record(
            actor=actor,
            action="complaints.ticket.assigned",
            target=ticket,
            before=before,
            after={
                "status": ticket.status,
                "handler": handler.pk,
                "department": department.pk,
                "time_limit": time_limit_at,
            },
        )
        with company_language():
            notification_send(
                recipients=[handler],
                kind="complaint_assigned",
                title=_("Complaint %(number)s assigned to you") % {"number": ticket.number},
                body=ticket.description[:500],
                url=_url(ticket),
            )
    return ticket


def ticket_resolve(
    *, actor: User, ticket_id: int, root_cause: str, corrective_action: str, now: datetime | None = None
) -> Ticket:
    """处理中 → 已处理: root cause and corrective action are required (§6)."""
    now = now or timezone.now()
    root_cause, corrective_action = (root_cause or "").strip(), (corrective_action or "").strip()
    with transaction.atomic():
        ticket = _lock(ticket_id)
        _ensure(permissions.ticket_resolve_allowed(actor, ticket), ticket, _("Resolving"))
        if not root_cause or not corrective_action:
            raise ComplaintError(
                _("Root cause and corrective action are both required to resolve a complaint.")
            )
        ticket.status = Status.RESOLVED
        ticket.root_cause = root_cause
        ticket.corrective_action = corrective_action
        ticket.resolved_at = now
        ticket.resolved_by = actor
        ticket.save(
            update_fields=[
                "status",
                "root_cause",
                "corrective_action",
                "resolved_at",
                "resolved_by",
                "updated_at",
            ]
        )
        _event(ticket, kind=EventKind.RESOLVED, actor=actor, at=now, note=corrective_action)
        audit_record(
            actor=actor,
            action="complaints.ticket.resolved",
            target=ticket,
            after={
                "root_cause": root_cause,
                "corrective_action": corrective_action,
                "on_time": ticket.handled_on_time,
            },
        )
        with company_language():
            notification_send(
                recipients=[ticket.customer.owner],
                kind="complaint_resolved",
                title=_("Complaint %(number)s resolved: please make the return visit")
                % {"number": ticket.number},
                url=_url(ticket),
            )
    return ticket


def ticket_return_visit_record(
    *,
    actor: User,
    ticket_id: int,
    satisfaction: int,
    confirmation: str,
    visited_on=None,
    mode: str = "phone",
    now: datetime | None = None,
) -> Ticket:
    """已处理 → 已回访: the customer confirmed the result and rated it 1-5 (回访).

    The return visit is also a visit report of the visits app (marked 回访, linked both ways),
    written through visits.services so that §5's "100% of complainants get a return visit"
    is counted there too.
    """
    now = now or timezone.now()
    confirmation = (confirmation or "").strip()
    if satisfaction not in (1, 2, 3, 4, 5):
        raise ComplaintError(_("Satisfaction must be between 1 and 5."))
    if not confirmation:
        raise ComplaintError(_("Write down what the customer confirmed."))
    with transaction.atomic():
        ticket = _lock(ticket_id)
        _ensure(
            permissions.ticket_return_visit_allowed(actor, ticket), ticket, _("Recording the return visit")
        )
        ticket.status = Status.RETURN_VISITED
        ticket.satisfaction = satisfaction
        ticket.customer_confirmation = confirmation
        ticket.return_visited_at = now
        ticket.return_visited_by = actor
        ticket.return_visit_report_id = _return_visit_report_create(
            ticket=ticket,
            actor=actor,
            visited_on=visited_on or timezone.localdate(now),
            mode=mode,
            confirmation=confirmation,
            satisfaction=satisfaction,
            now=now,
        )
        ticket.save(
            update_fields=[
                "status",
                "satisfaction",
                "customer_confirmation",
                "return_visited_at",
                "return_visited_by",
                "return_visit_report_id",
                "updated_at",
            ]
        )
        _event(
            ticket,
            kind=EventKind.RETURN_VISITED,
            actor=actor,
            at=now,
            note=confirmation,
            params={"score": satisfaction},
        )
        audit_record(
            actor=actor,
            action="complaints.ticket.return_visited",
            target=ticket,
            after={"satisfaction": satisfaction, "visit_report": ticket.return_visit_report_id},
        )
    return ticket


def _return_visit_report_create(
    *, ticket, actor, visited_on, mode, confirmation, satisfaction, now
) -> int | None:
    """Write the return visit as a visit report (purpose 回访) through the visits app's service.

    The report carries the reference "complaint:<id>" so the visits app links back to the ticket.
    """
    # Language-neutral: the report is read in every language (its kind says 回访, it links here).
    summary = f"{ticket.number} · {satisfaction}/5"
    try:
        report = visit_report_create(
            author=actor,
            customer_id=ticket.customer_id,
            purpose="return_visit",
            reference=f"complaint:{ticket.pk}",
            data={"visited_on": visited_on, "mode": mode, "opinions": confirmation, "summary": summary},
            now=now,
        )
    except VisitError as exc:
        raise ComplaintError(str(exc)) from exc
    except Customer.DoesNotExist as exc:
        raise ComplaintError(_("Only someone who may see the customer can record the return visit.")) from exc
    return report.pk


def ticket_close(*, actor: User, ticket_id: int, note: str = "", now: datetime | None = None) -> Ticket:
    """已回访 → 已关闭: the manager closes the case."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _lock(ticket_id)
        _ensure(permissions.ticket_close_allowed(actor, ticket), ticket, _("Closing"))
        ticket.status = Status.CLOSED
        ticket.closed_at = now
        ticket.closed_by = actor
        ticket.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
        _event(ticket, kind=EventKind.CLOSED, actor=actor, at=now, note=(note or "").strip())
        audit_record(actor=actor, action="complaints.ticket.closed", target=ticket, after={"note": note})
    return ticket


def ticket_escalate(*, actor: User, ticket_id: int, reason: str, now: datetime | None = None) -> Ticket:
    """Make an open ticket a major complaint (重大投诉) by a manager's decision: 总经办 is notified."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ComplaintError(_("Give the reason for escalating."))
    with transaction.atomic():
        ticket = _lock(ticket_id)
        if ticket.is_major:
            raise ComplaintError(_("The complaint has already been escalated."))
        _ensure(permissions.ticket_escalate_allowed(actor, ticket), ticket, _("Escalating"))
        _mark_major(ticket, reason=reason, actor=actor, now=now)
        ticket.save(update_fields=["is_major", "major_at", "major_reason", "updated_at"])
        audit_record(
            actor=actor, action="complaints.ticket.escalated", target=ticket, after={"reason": reason}
        )
    return ticket
