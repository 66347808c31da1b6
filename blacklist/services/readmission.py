"""Re-admission (重新准入) of the customer of an expired entry (domain §4): a request with a fresh
evaluation, approved by 总经办 and the department's manager in either order."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from crm.services import audit_record, company_language, gm_office_users, managers_of, notification_send
from customers import services as customer_services
from customers.models import CustomerStatus, Grade
from customers.selectors import customer_list_for

from .. import permissions
from ..models import BlacklistEntry, EntryState, ReadmissionRequest, ReadmissionState
from .rules import BlacklistError, _lock_entry, ensure_transition, entry_url

READMISSION_GRADE = Grade.C

EVALUATION_CONDITIONS = ("licence_valid", "debts_settled", "operating_normally", "cause_resolved")


def blacklist_readmission_request(
    *,
    actor: User,
    entry_id: int,
    evaluation: str,
    conditions: dict,
    expected_volume=None,
    now: datetime | None = None,
) -> ReadmissionRequest:
    """Ask to re-admit the customer of an expired entry, with a fresh evaluation.

    Everyone who may see the customer except 总经办 may ask (the owner, the assistant, the
    manager). Every admission condition must be met; one open request per entry.
    """
    now = now or timezone.now()
    if permissions.blacklist_verification_allowed(actor):
        raise BlacklistError(_("总经办 approves re-admission; the department requests it."))
    if not evaluation.strip():
        raise BlacklistError(_("Write the evaluation."))
    if not all(conditions.get(c) for c in EVALUATION_CONDITIONS):
        raise BlacklistError(
            _("The customer does not meet every admission condition: re-admission cannot be requested.")
        )
    with transaction.atomic():
        entry = _lock_entry(entry_id)
        if not customer_list_for(actor).filter(pk=entry.customer_id).exists():
            raise BlacklistError(_("You may not request re-admission of this customer."))
        if not permissions.blacklist_readmission_request_allowed(actor, entry):
            raise BlacklistError(_("Only the customer of an expired entry can be re-admitted."))
        if entry.readmissions.filter(state=ReadmissionState.PENDING).exists():
            raise BlacklistError(_("A re-admission request is already awaiting approval."))
        req = ReadmissionRequest(
            entry=entry,
            requested_by=actor,
            requested_at=now,
            evaluation=evaluation.strip(),
            expected_volume=expected_volume,
            **{c: bool(conditions.get(c)) for c in EVALUATION_CONDITIONS},
        )
        try:
            with transaction.atomic():
                req.save()
        except IntegrityError as exc:
            raise BlacklistError(_("A re-admission request is already awaiting approval.")) from exc
        audit_record(
            actor=actor, action="blacklist.readmission.requested", target=entry, after={"request_id": req.pk}
        )
        with company_language():
            notification_send(
                recipients=[*gm_office_users(), *managers_of([entry.department_id])],
                kind="blacklist_readmission",
                title=_("Re-admission to approve: %(name)s") % {"name": entry.customer.name},
                body=req.evaluation[:300],
                url=entry_url(entry.pk),
                dedup_key=f"blacklist-readmission:{req.pk}",
            )
    return req


def blacklist_readmission_approve(
    *, actor: User, request_id: int, comment: str = "", now: datetime | None = None
) -> ReadmissionRequest:
    """One of the two approvals of re-admission: 总经办's or the department manager's.

    Either order; the second one re-admits: the entry becomes 已恢复 and the customer active
    again with grade C (in the grade history). Raises BlacklistError for a wrong role or a
    decision already given.
    """
    now = now or timezone.now()
    with transaction.atomic():
        req = ReadmissionRequest.objects.select_for_update().get(pk=request_id)
        entry = _lock_entry(req.entry_id)
        if req.state != ReadmissionState.PENDING:
            raise BlacklistError(_("This request has already been decided."))
        approval = permissions.readmission_approval_of(actor, entry.department_id)
        if approval == permissions.GM_OFFICE:
            if req.gm_approved_at:
                raise BlacklistError(_("总经办 has already approved this request."))
            req.gm_approved_by, req.gm_approved_at = actor, now
        elif approval == permissions.MANAGER:
            if req.manager_approved_at:
                raise BlacklistError(_("The department's manager has already approved this request."))
            req.manager_approved_by, req.manager_approved_at = actor, now
        else:
            raise BlacklistError(_("Only 总经办 and the department's manager approve re-admission."))
        if comment.strip():
            req.comment = "\n".join(filter(None, [req.comment, f"{actor.display_name}: {comment.strip()}"]))
        complete = bool(req.gm_approved_at and req.manager_approved_at)
        if complete:
            req.state = ReadmissionState.APPROVED
        req.save()
        audit_record(
            actor=actor,
            action="blacklist.readmission.approved",
            target=entry,
            after={"request_id": req.pk, "complete": complete},
        )
        if complete:
            _readmit(actor=actor, entry=entry, req=req, now=now)
    return req


def _readmit(*, actor: User, entry: BlacklistEntry, req: ReadmissionRequest, now: datetime) -> None:
    ensure_transition(entry, EntryState.READMITTED)
    entry.state, entry.readmitted_at = EntryState.READMITTED, now
    entry.save(update_fields=["state", "readmitted_at"])
    customer_id = entry.customer_id
    customer_services.customer_blacklist_clear(customer_ids=[customer_id], readmission_required=False)
    _apply_readmission_grade(actor=actor, req=req, entry=entry, now=now)
    customer_services.customer_change_status(
        actor=actor, customer_id=customer_id, status=CustomerStatus.ACTIVE, now=now
    )
    audit_record(
        actor=actor,
        action="blacklist.entry.readmitted",
        target=entry,
        before={"state": EntryState.EXPIRED},
        after={"state": EntryState.READMITTED, "grade": READMISSION_GRADE},
    )
    with company_language():
        notification_send(
            recipients=[*managers_of([entry.department_id]), req.requested_by, entry.customer.owner],
            kind="blacklist_readmitted",
            title=_("Re-admitted as grade C: %(name)s") % {"name": entry.customer.name},
            url=entry_url(entry.pk),
            dedup_key=f"blacklist-readmitted:{entry.pk}",
        )


def _apply_readmission_grade(
    *, actor: User, req: ReadmissionRequest, entry: BlacklistEntry, now: datetime
) -> None:
    """The customer re-enters as grade C (domain §4), through the grading app: it owns the grade
    and its history, and records both approvers of the re-admission as the approvers."""
    from grading.services import GradingError, grade_readmission_apply

    try:
        grade_readmission_apply(
            customer_id=entry.customer_id,
            manager=req.manager_approved_by,
            gm=req.gm_approved_by,
            now=now,
            reason="",  # the grading app words the system reason (re-admission) in the reader's language
        )
    except GradingError as exc:
        raise BlacklistError(str(exc)) from exc


def blacklist_readmission_reject(
    *, actor: User, request_id: int, comment: str, now: datetime | None = None
) -> ReadmissionRequest:
    """总经办 or the department's manager refuses re-admission, with a comment."""
    now = now or timezone.now()
    if not comment.strip():
        raise BlacklistError(_("Give a comment when rejecting."))
    with transaction.atomic():
        req = ReadmissionRequest.objects.select_for_update().get(pk=request_id)
        entry = _lock_entry(req.entry_id)
        if req.state != ReadmissionState.PENDING:
            raise BlacklistError(_("This request has already been decided."))
        req.entry = entry
        if not permissions.blacklist_readmission_reject_allowed(actor, req):
            raise BlacklistError(_("Only 总经办 and the department's manager decide on re-admission."))
        req.state, req.rejected_by, req.rejected_at = ReadmissionState.REJECTED, actor, now
        req.comment = "\n".join(filter(None, [req.comment, f"{actor.display_name}: {comment.strip()}"]))
        req.save()
        audit_record(
            actor=actor,
            action="blacklist.readmission.rejected",
            target=entry,
            after={"request_id": req.pk, "comment": comment.strip()},
        )
        with company_language():
            notification_send(
                recipients=[req.requested_by],
                kind="blacklist_readmission_rejected",
                title=_("Re-admission refused: %(name)s") % {"name": entry.customer.name},
                body=comment.strip(),
                url=entry_url(entry.pk),
                dedup_key=f"blacklist-readmission-rejected:{req.pk}",
            )
    return req
