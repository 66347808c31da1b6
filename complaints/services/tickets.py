"""Every state change of a complaint ticket (domain §6): the workflow and its rules.

Workflow: 已受理 received → 处理中 assigned → 已处理 resolved → 已回访 return visit done →
已关闭 closed. Each transition locks the ticket (select_for_update), checks the state and the
actor's role (raising ComplaintError, shown to the user), writes a timeline event and an
audit entry, and leaves e-mail to after commit (crm.services.notification_send).

Who may do what:
- open a ticket: anyone who may see the customer (首问负责制: whoever receives it registers it);
- assign (set responsible department, handler, time limit): the manager of the customer's
  department, or 总经办;
- resolve: the handler, a manager of the customer's or the responsible department, 总经办;
- record the return visit: a salesperson who may see the customer, or the manager;
- close: the manager of the customer's department, or 总经办;
- escalate as major (重大投诉): a manager or 总经办; automatic when the claim reaches the
  policy threshold;
- progress feedback and attachments: anyone who may see the ticket, while it is open.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.date_bounds import check_datetime
from crm.forms import messages_from
from crm.models import Department, User
from crm.services import audit_record, company_language, gm_office_users, managers_of, notification_send
from crm.uploads import DOCUMENTS, safe_display_name, upload_store, validate_upload
from customers.models import Customer
from customers.selectors import customer_list_for
from visits.services import VisitError, visit_report_create

from ..models import (
    HANDLING_STATES,
    ComplaintPolicy,
    EventKind,
    Status,
    Ticket,
    TicketAttachment,
    TicketCounter,
    TicketEvent,
    TicketFeedback,
)


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


def _is_manager_for(user: User, ticket: Ticket) -> bool:
    if user.sees_all_departments:
        return True
    return (
        user.is_manager
        and user.department_id is not None
        and user.department_id in (ticket.customer.department_id, ticket.responsible_department_id)
    )


def _is_customer_manager(user: User, ticket: Ticket) -> bool:
    return user.sees_all_departments or (
        user.is_manager and user.department_id == ticket.customer.department_id
    )


def _sees_customer(user: User, ticket: Ticket) -> bool:
    return customer_list_for(user).filter(pk=ticket.customer_id).exists()


def can_assign(user: User, ticket: Ticket) -> bool:
    return ticket.status in HANDLING_STATES and _is_customer_manager(user, ticket)


def can_resolve(user: User, ticket: Ticket) -> bool:
    return ticket.status == Status.ASSIGNED and (
        ticket.handler_id == user.pk or _is_manager_for(user, ticket)
    )


def can_record_return_visit(user: User, ticket: Ticket, *, sees_customer: bool) -> bool:
    if ticket.status != Status.RESOLVED:
        return False
    return (user.is_salesperson and sees_customer) or _is_customer_manager(user, ticket)


def can_close(user: User, ticket: Ticket) -> bool:
    return ticket.status == Status.RETURN_VISITED and _is_customer_manager(user, ticket)


def can_escalate(user: User, ticket: Ticket) -> bool:
    return ticket.is_open and not ticket.is_major and (user.is_gm_office or _is_manager_for(user, ticket))


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


# --- Transitions -----------------------------------------------------------------------------


def _check_typed(value: datetime, *, now: datetime) -> None:
    """A typed time within crm.date_bounds (issue 13.3: a year-1 receipt broke every page)."""
    try:
        check_datetime(value, now=now)
    except ValidationError as exc:
        raise ComplaintError(" ".join(exc.messages)) from exc


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
        _ensure(can_assign(actor, ticket), ticket, _("Assigning"))
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
        _ensure(can_resolve(actor, ticket), ticket, _("Resolving"))
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
        allowed = can_record_return_visit(actor, ticket, sees_customer=_sees_customer(actor, ticket))
        _ensure(allowed, ticket, _("Recording the return visit"))
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
        _ensure(can_close(actor, ticket), ticket, _("Closing"))
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
        _ensure(can_escalate(actor, ticket), ticket, _("Escalating"))
        _mark_major(ticket, reason=reason, actor=actor, now=now)
        ticket.save(update_fields=["is_major", "major_at", "major_reason", "updated_at"])
        audit_record(
            actor=actor, action="complaints.ticket.escalated", target=ticket, after={"reason": reason}
        )
    return ticket


def feedback_add(
    *, actor: User, ticket_id: int, given_at: datetime, method: str, content: str, now: datetime | None = None
) -> TicketFeedback:
    """Log one progress feedback to the customer (at least twice a week while handling, §6)."""
    now = now or timezone.now()
    content = (content or "").strip()
    if not content:
        raise ComplaintError(_("Write down what the customer was told."))
    if given_at > now + timedelta(minutes=5):
        raise ComplaintError(_("A feedback cannot be dated in the future."))
    _check_typed(given_at, now=now)
    with transaction.atomic():
        ticket = _lock(ticket_id)
        if not ticket.is_open:
            raise ComplaintError(_("The ticket is closed."))
        # The form gives minutes, the receipt has seconds: a feedback typed for the minute of
        # receipt is allowed and kept just after the receipt, so the ticket log stays in order.
        if given_at < ticket.received_at.replace(second=0, microsecond=0):
            raise ComplaintError(_("A feedback cannot be dated before the complaint was received."))
        given_at = max(given_at, ticket.received_at)
        fb = TicketFeedback(ticket=ticket, given_at=given_at, method=method, content=content, given_by=actor)
        try:
            fb.full_clean()
        except ValidationError as exc:
            raise ComplaintError(messages_from(exc)) from exc
        fb.save()
        _event(
            ticket,
            kind=EventKind.FEEDBACK,
            actor=actor,
            at=given_at,
            note=content,
            params={"method": fb.method},
        )
        audit_record(actor=actor, action="complaints.feedback.added", target=ticket, after={"method": method})
    return fb


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


def attachment_add(*, actor: User, ticket_id: int, file, now: datetime | None = None) -> TicketAttachment:
    """Attach evidence (photos, documents) to an open ticket; the file type is checked by content."""
    now = now or timezone.now()
    _check_file(file)
    with transaction.atomic():
        ticket = _lock(ticket_id)
        if not ticket.is_open:
            raise ComplaintError(_("The ticket is closed."))
        att = _attach(ticket, file, actor=actor, now=now)
        audit_record(
            actor=actor,
            action="complaints.attachment.added",
            target=ticket,
            after={"name": att.original_name},
        )
    return att
