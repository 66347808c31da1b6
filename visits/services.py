"""Every change to visits the business cares about (domain §5), and the overdue-visits job (§7).

Services are keyword-only, check that the actor may see the customer (a customer outside
`customer_list_for(actor)` raises Customer.DoesNotExist, a 404 for views), raise VisitError
with a message for the user when a rule is broken, and write an audit entry.

For other apps: `visit_report_create(..., purpose=VisitPurpose.RETURN_VISIT,
reference="complaint:<id>")` records a 回访 (the complaints app, §6; its satisfaction stays on
the ticket, so it passes none). Its signature is stable.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.date_bounds import check_date, check_datetime
from crm.forms import messages_from
from crm.models import User
from crm.services import audit_record
from crm.uploads import DOCUMENTS, IMAGES, safe_display_name, upload_store, validate_upload
from customers.models import Contact, Customer
from customers.selectors import customer_list_for
from customers.services import customer_onsite_visit_record
from engagement.services import contact_record_from_visit
from surveys.selectors import active_questions
from surveys.services import ResponseSource, SurveyError, scores_check, survey_response_record

from .checkin import Position, report_checkin_apply
from .models import (
    CooperationIntent,
    NextStep,
    PlanStatus,
    VisitAttachment,
    VisitMode,
    VisitPlan,
    VisitPolicy,
    VisitPurpose,
    VisitReport,
)

ATTACHMENT_KINDS = tuple(dict.fromkeys(IMAGES + DOCUMENTS))
REPORT_TEXT_FIELDS = ("latest_needs", "opinions", "problems", "competitor_news", "summary")
# A plan typed a few minutes after its time (planning the visit one is starting) is not "in the past".
PLAN_PAST_GRACE = timedelta(minutes=15)


class VisitError(Exception):
    """A rule of visits was broken; the message is shown to the user."""


def _visible_customer(actor: User, customer_id: int) -> Customer:
    return customer_list_for(actor).get(pk=customer_id)


def _customer_contacts(customer: Customer, contact_ids: Iterable) -> list[Contact]:
    ids = {int(i) for i in contact_ids or ()}
    contacts = list(Contact.objects.filter(customer=customer, pk__in=ids))
    if len(contacts) != len(ids):
        raise VisitError(_("A selected contact does not belong to this customer."))
    return contacts


def visitor_choices(customer: Customer):
    """Who may be named as a visitor or a next step's owner: active users of the customer's department."""
    return User.objects.filter(is_active=True, department_id=customer.department_id).order_by("username")


def _visitors(customer: Customer, actor: User, visitor_ids: Iterable) -> list[User]:
    ids = {int(i) for i in visitor_ids or ()} or {actor.pk}
    allowed = visitor_choices(customer)
    users = list(allowed.filter(pk__in=ids))
    if actor.pk in ids and all(u.pk != actor.pk for u in users):
        users.append(actor)  # the author may always name themselves
    if len(users) != len(ids):
        raise VisitError(_("A visitor must be an active colleague of the customer's department."))
    return users


# --- Plans ------------------------------------------------------------------------------------


def visit_plan_create(*, actor: User, customer_id: int, data: dict, now: datetime | None = None) -> VisitPlan:
    """Plan a visit (拜访计划). Refused for a blacklisted customer (§4: no new business)."""
    now = now or timezone.now()
    with transaction.atomic():
        customer = _visible_customer(actor, customer_id)
        if customer.is_blacklisted:
            raise VisitError(
                _("“%(name)s” is on the blacklist: no new visit can be planned.") % {"name": customer.name}
            )
        planned_at = data.get("planned_at")
        if not planned_at:
            raise VisitError(_("Give the planned date and time."))
        _check_bounds(check_datetime, planned_at, now=now)
        if planned_at < now - PLAN_PAST_GRACE:
            raise VisitError(_("A visit cannot be planned in the past."))
        if not (data.get("purpose") or "").strip():
            raise VisitError(_("Give the purpose of the visit."))
        plan = VisitPlan.objects.create(
            customer=customer,
            purpose=data["purpose"].strip(),
            planned_at=planned_at,
            content=data.get("content", ""),
            created_by=actor,
        )
        plan.visitors.set(_visitors(customer, actor, data.get("visitor_ids")))
        plan.contacts.set(_customer_contacts(customer, data.get("contact_ids")))
        audit_record(
            actor=actor,
            action="visits.plan.created",
            target=plan,
            after={"planned_at": planned_at, "purpose": plan.purpose},
        )
    return plan


def _locked_plan(actor: User, plan_id: int) -> VisitPlan:
    return (
        VisitPlan.objects.select_for_update()
        .filter(customer__in=customer_list_for(actor))
        .select_related("customer")
        .get(pk=plan_id)
    )


def visit_plan_confirm(*, actor: User, plan_id: int) -> VisitPlan:
    """The customer agreed to the date: planned → confirmed."""
    with transaction.atomic():
        plan = _locked_plan(actor, plan_id)
        if plan.status != PlanStatus.PLANNED:
            raise VisitError(
                _("Only a planned visit can be confirmed; this one is %(status)s.")
                % {"status": plan.get_status_display()}
            )
        if plan.customer.is_blacklisted:
            raise VisitError(
                _("“%(name)s” is on the blacklist: no new visit can be planned.")
                % {"name": plan.customer.name}
            )
        plan.status = PlanStatus.CONFIRMED
        plan.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="visits.plan.confirmed",
            target=plan,
            before={"status": PlanStatus.PLANNED},
            after={"status": plan.status},
        )
    return plan


def visit_plan_cancel(*, actor: User, plan_id: int, reason: str = "") -> VisitPlan:
    """Cancel a planned or confirmed visit."""
    with transaction.atomic():
        plan = _locked_plan(actor, plan_id)
        if not plan.is_open:
            raise VisitError(_("This visit is already %(status)s.") % {"status": plan.get_status_display()})
        before = plan.status
        plan.status = PlanStatus.CANCELLED
        plan.cancel_reason = reason.strip()[:200]
        plan.save(update_fields=["status", "cancel_reason", "updated_at"])
        audit_record(
            actor=actor,
            action="visits.plan.cancelled",
            target=plan,
            before={"status": before},
            after={"status": plan.status, "reason": plan.cancel_reason},
        )
    return plan


# --- Reports ----------------------------------------------------------------------------------


def _check_attachments(files) -> list[tuple]:
    checked = []
    for f in files or ():
        try:
            kind = validate_upload(f, allowed=ATTACHMENT_KINDS)
        except ValidationError as exc:
            raise VisitError(f"{safe_display_name(getattr(f, 'name', ''))}: {messages_from(exc)}") from exc
        checked.append((f, kind))
    return checked


def _check_bounds(check, value, **kwargs) -> None:
    """A typed date within crm.date_bounds (issue 13.3), or VisitError with the reason."""
    try:
        check(value, **kwargs)
    except ValidationError as exc:
        raise VisitError(messages_from(exc)) from exc


def _next_steps(customer: Customer, author: User, steps: Iterable[dict]) -> list[NextStep]:
    out = []
    owners = {u.pk: u for u in visitor_choices(customer)}
    owners.setdefault(author.pk, author)
    for step in steps or ():
        text = (step.get("text") or "").strip()
        if not text:
            continue
        if not step.get("due_on"):
            raise VisitError(_("Give a due date for the next step “%(text)s”.") % {"text": text[:40]})
        owner = owners.get(int(step.get("owner_id") or author.pk))
        if owner is None:
            raise VisitError(
                _("The owner of a next step must be an active colleague of the customer's department.")
            )
        out.append(NextStep(text=text[:300], due_on=step["due_on"], owner=owner))
    return out


def _check_satisfaction(purpose: str, reference: str, satisfaction: dict | None) -> dict | None:
    """A return visit of our own (not a complaint's, whose ticket keeps its score) needs every score."""
    if purpose != VisitPurpose.RETURN_VISIT or reference.startswith("complaint:"):
        return None
    if satisfaction is None or "scores" not in satisfaction:
        raise VisitError(_("A return visit records the customer's satisfaction: give every score."))
    try:
        scores_check(satisfaction["scores"], active_questions())
    except SurveyError as exc:
        raise VisitError(str(exc)) from exc
    return satisfaction


def _record_satisfaction(report: VisitReport, satisfaction: dict, *, now: datetime) -> None:
    try:
        survey_response_record(
            actor=report.author,
            customer_id=report.customer_id,
            scores=satisfaction["scores"],
            comment=satisfaction.get("comment") or "",
            source=ResponseSource.RETURN_VISIT,
            visit_report_id=report.pk,
            now=now,
        )
    except SurveyError as exc:
        raise VisitError(str(exc)) from exc


def visit_report_create(
    *,
    author: User,
    customer_id: int,
    data: dict,
    plan_id: int | None = None,
    attachments=(),
    now: datetime | None = None,
    purpose: str = VisitPurpose.REGULAR,
    reference: str = "",
    checkin: Position | None = None,
    satisfaction: dict | None = None,
) -> VisitReport:
    """Record a visit report (客户拜访报告), domain §5.

    `data`: visited_on (date, required, not in the future), mode (VisitMode, default on-site),
    contact_ids, latest_needs, opinions, problems, competitor_news, cooperation_intent,
    summary, next_steps (a list of {text, due_on, owner_id}). With `plan_id` the plan (of the
    same customer, planned or confirmed) becomes done. An on-site visit moves the customer's
    last on-site visit date (the cadence, §5); the other modes are follow-ups.
    `purpose=VisitPurpose.RETURN_VISIT` with `reference="complaint:<id>"` records a 回访 (§6).
    `checkin`: the phone's position when the report was started (外勤签到, visits.checkin); an
    on-site report without one, or too far from the customer, is marked for the manager.
    `satisfaction` ({"scores": {question id: score}, "comment"}): required for a return visit
    (§10: every 回访 records satisfaction), stored as a survey response linked to the report in
    the same transaction (it answers the customer's open survey round); a complaint's 回访 keeps
    its own satisfaction on the ticket (§6) and passes none.
    Raises VisitError (message for the user), Customer/VisitPlan.DoesNotExist when not visible.
    """
    now = now or timezone.now()
    visited_on = data.get("visited_on")
    if not isinstance(visited_on, date):
        raise VisitError(_("Give the date of the visit."))
    if visited_on > timezone.localdate(now):
        raise VisitError(_("The visit date cannot be in the future."))
    _check_bounds(check_date, visited_on, today=timezone.localdate(now), allow_future=False)
    for step in data.get("next_steps") or ():
        if isinstance(step.get("due_on"), date):
            _check_bounds(check_date, step["due_on"], today=timezone.localdate(now))
    mode = data.get("mode") or VisitMode.ONSITE
    if mode not in VisitMode.values:
        raise VisitError(_("Unknown visit mode."))
    if purpose not in VisitPurpose.values:
        raise VisitError(_("Unknown kind of visit."))
    intent = data.get("cooperation_intent") or ""
    if intent and intent not in CooperationIntent.values:
        raise VisitError(_("Unknown cooperation intent."))
    satisfaction = _check_satisfaction(purpose, reference, satisfaction)
    checked_files = _check_attachments(attachments)
    stored: list[VisitAttachment] = []
    try:
        with transaction.atomic():
            customer = _visible_customer(author, customer_id)
            plan = None
            if plan_id:
                plan = _locked_plan(author, plan_id)
                if plan.customer_id != customer.pk:
                    raise VisitError(_("The plan belongs to another customer."))
                if not plan.is_open:
                    raise VisitError(
                        _("This visit is already %(status)s.") % {"status": plan.get_status_display()}
                    )
            contacts = _customer_contacts(customer, data.get("contact_ids"))
            steps = _next_steps(customer, author, data.get("next_steps"))
            report = VisitReport.objects.create(
                customer=customer,
                plan=plan,
                author=author,
                purpose=purpose,
                reference=reference[:60],
                visited_on=visited_on,
                mode=mode,
                cooperation_intent=intent,
                **{f: (data.get(f) or "").strip() for f in REPORT_TEXT_FIELDS},
            )
            report.contacts.set(contacts)
            for step in steps:
                step.report = report
            NextStep.objects.bulk_create(steps)
            for f, kind in checked_files:
                att = VisitAttachment(
                    report=report,
                    original_name=safe_display_name(f.name),
                    content_type=kind.content_type,
                    size=f.size,
                    uploaded_by=author,
                )
                upload_store(att, f, kind)
                stored.append(att)
            report_checkin_apply(report=report, position=checkin, policy=VisitPolicy.load(), now=now)
            if satisfaction is not None:
                _record_satisfaction(report, satisfaction, now=now)
            if plan is not None:
                plan.status = PlanStatus.DONE
                plan.save(update_fields=["status", "updated_at"])
            if mode == VisitMode.ONSITE:
                customer_onsite_visit_record(customer_id=customer.pk, visited_on=visited_on)
            # A visit report counts as a contact (§9): the contact cadence reads the contact log only.
            contact_record_from_visit(
                report_id=report.pk,
                customer_id=customer.pk,
                author=author,
                visited_on=visited_on,
                visit_mode=mode,
                contact_id=contacts[0].pk if contacts else None,
                summary=report.latest_needs or report.summary or report.opinions,
            )
            audit_record(
                actor=author,
                action="visits.report.created",
                target=report,
                after={
                    "visited_on": visited_on,
                    "mode": mode,
                    "purpose": purpose,
                    "plan": plan_id,
                    "attachments": len(stored),
                    "next_steps": len(steps),
                    "checkin_distance_m": report.checkin_distance_m,
                    "checkin_flagged": report.checkin_flagged,
                },
            )
    except Exception:
        for att in stored:  # nothing half-written: no orphan file
            att.file.delete(save=False)
        raise
    return report


def next_step_complete(*, actor: User, step_id: int, now: datetime | None = None) -> NextStep:
    """Tick a next step as done (its owner, or anyone who may see the customer)."""
    now = now or timezone.now()
    with transaction.atomic():
        step = (
            NextStep.objects.select_for_update()
            .filter(report__customer__in=customer_list_for(actor))
            .get(pk=step_id)
        )
        if step.done_at is None:
            step.done_at = now
            step.save(update_fields=["done_at"])
            audit_record(actor=actor, action="visits.next_step.done", target=step, after={"done_at": now})
    return step
