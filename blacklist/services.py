"""Every change to the blacklist the business cares about (domain §4).

Services are keyword-only, own their transaction and locks, check the rules (raising
BlacklistError with a message for the user), write an audit entry and notify the people
concerned. The customer's mark is written only through the customers services.

Who does what (domain §1, §4):
- a manager reports an entry for a customer of the department; a salesperson proposes one for
  an own customer, which reaches 总经办 only after the manager submits it (or rejects it);
- 总经办 approves (validity starts; default 6 calendar months, or a shorter end date) or
  rejects, with a comment;
- approval marks the customer blacklisted and sets it inactive (停止合作): a blacklisted
  customer is not a cooperating one, and stays inactive after expiry until re-admitted;
- the daily job expires entries past their end date; the customer keeps `readmission_required`;
- re-admission: a request with a fresh evaluation, approved by 总经办 and the department's
  manager in either order; the second approval re-admits the customer as active, grade C.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.forms import messages_from
from crm.models import AuditLog, Notification, User
from crm.services import (
    add_months,
    audit_record,
    company_language,
    gm_office_users,
    managers_of,
    notification_bulk_send,
    notification_send,
)
from crm.uploads import DOCUMENTS, safe_display_name, upload_store, validate_upload
from customers import services as customer_services
from customers.models import CustomerStatus, Grade
from customers.selectors import customer_list_for

from .models import (
    MAX_VALIDITY_MONTHS,
    BlacklistEntry,
    BlacklistEvidence,
    BlacklistPolicy,
    EntryState,
    ReadmissionRequest,
    ReadmissionState,
)

READMISSION_GRADE = Grade.C

# The state machine: anything not listed here is refused.
TRANSITIONS = {
    EntryState.REPORTED: {EntryState.ACTIVE, EntryState.REJECTED},
    EntryState.ACTIVE: {EntryState.EXPIRED},
    EntryState.EXPIRED: {EntryState.READMITTED},
    EntryState.READMITTED: set(),
    EntryState.REJECTED: set(),
}


class BlacklistError(Exception):
    """A rule of the blacklist was broken; the message is shown to the user."""


def ensure_transition(entry: BlacklistEntry, to: str) -> None:
    """Raise BlacklistError unless the entry may move from its state to `to`."""
    if to not in TRANSITIONS[EntryState(entry.state)]:
        raise BlacklistError(
            _("This entry is %(state)s and cannot become %(to)s.")
            % {"state": entry.get_state_display(), "to": EntryState(to).label}
        )


def entry_url(entry_id: int) -> str:
    return reverse("blacklist:entry_detail", args=[entry_id])


def validity_end(*, starts_on: date, policy: BlacklistPolicy | None = None) -> date:
    """The default (and longest) end date of an entry approved on `starts_on`: calendar months."""
    policy = policy or BlacklistPolicy.load()
    return add_months(starts_on, min(policy.validity_months, MAX_VALIDITY_MONTHS))


def blacklist_evidence_add(*, actor: User, entry: BlacklistEntry, files) -> list[BlacklistEvidence]:
    """Store evidence files after checking their real type and size (crm.uploads)."""
    checked = []
    for f in files:  # every file is checked before any is stored: all or nothing
        try:
            checked.append((f, validate_upload(f, allowed=DOCUMENTS)))
        except ValidationError as exc:
            raise BlacklistError(f"{safe_display_name(f.name)}: {messages_from(exc)}") from exc
    stored = []
    for f, kind in checked:
        ev = BlacklistEvidence(
            entry=entry,
            original_name=safe_display_name(f.name),
            content_type=kind.content_type,
            size=f.size,
            uploaded_by=actor,
        )
        upload_store(ev, f, kind)
        stored.append(ev)
    if stored:
        audit_record(
            actor=actor,
            action="blacklist.evidence.added",
            target=entry,
            after={"files": [e.original_name for e in stored]},
        )
    return stored


def blacklist_entry_report(
    *,
    actor: User,
    customer_id: int,
    reason_category: str,
    reason: str,
    loss_amount=0,
    loss_description: str = "",
    evidence=(),
    incident_ids=(),
    now: datetime | None = None,
) -> BlacklistEntry:
    """上报: a manager reports a customer of the department; a salesperson proposes an own customer.

    Raises BlacklistError when the customer is out of reach, already on the blacklist, or
    already reported and awaiting verification.
    """
    now = now or timezone.now()
    if not (actor.is_manager or actor.is_salesperson):
        raise BlacklistError(_("Only a manager reports blacklist entries; a salesperson proposes them."))
    if not reason.strip():
        raise BlacklistError(_("Give the reason."))
    if loss_amount is not None and loss_amount < 0:
        raise BlacklistError(_("The loss amount cannot be negative."))
    with transaction.atomic():
        visible = customer_list_for(actor)
        if actor.is_salesperson:
            visible = visible.filter(owner=actor)
        customer = visible.select_for_update(of=("self",)).filter(pk=customer_id).first()
        if customer is None:
            raise BlacklistError(_("You may not report this customer."))
        if customer.is_blacklisted:
            raise BlacklistError(
                _("%(name)s is already on the blacklist until %(until)s.")
                % {"name": customer.name, "until": customer.blacklisted_until}
            )
        if BlacklistEntry.objects.filter(customer=customer, state=EntryState.REPORTED).exists():
            raise BlacklistError(
                _("%(name)s has already been reported and awaits verification.") % {"name": customer.name}
            )
        entry = BlacklistEntry(
            customer=customer,
            department_id=customer.department_id,
            reason_category=reason_category,
            reason=reason.strip(),
            loss_amount=loss_amount or 0,
            loss_description=loss_description.strip(),
        )
        if actor.is_manager:
            entry.reported_by, entry.reported_at = actor, now
        else:
            entry.proposed_by = actor
        try:
            entry.full_clean(exclude=["customer", "department"])
        except ValidationError as exc:
            raise BlacklistError(messages_from(exc)) from exc
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError as exc:  # a colleague reported the same customer a moment ago
            raise BlacklistError(
                _("%(name)s has already been reported and awaits verification.") % {"name": customer.name}
            ) from exc
        if incident_ids:
            linked = list(customer.incidents.filter(pk__in=list(incident_ids)).values_list("pk", flat=True))
            if len(linked) != len(set(incident_ids)):
                raise BlacklistError(_("Only incidents of this customer can be linked."))
            entry.incidents.set(linked)
        blacklist_evidence_add(actor=actor, entry=entry, files=evidence)
        audit_record(
            actor=actor,
            action="blacklist.entry.reported" if actor.is_manager else "blacklist.entry.proposed",
            target=entry,
            after={"customer_id": customer.pk, "reason": entry.reason, "loss_amount": entry.loss_amount},
        )
        if actor.is_manager:
            _notify_gm_reported(entry)
        else:
            with company_language():
                notification_send(
                    recipients=managers_of([customer.department_id]),
                    kind="blacklist_proposed",
                    title=_("Blacklist proposal for %(name)s") % {"name": customer.name},
                    body=_("%(who)s proposes to blacklist %(name)s. Submit it to 总经办 or reject it.")
                    % {"who": actor.display_name, "name": customer.name},
                    url=entry_url(entry.pk),
                    dedup_key=f"blacklist-proposed:{entry.pk}",
                )
    return entry


def _notify_gm_reported(entry: BlacklistEntry) -> None:
    with company_language():
        notification_send(
            recipients=gm_office_users(),
            kind="blacklist_reported",
            title=_("Blacklist entry to verify: %(name)s") % {"name": entry.customer.name},
            body="\n".join(
                filter(
                    None,
                    [
                        _("%(department)s reports %(name)s: %(reason)s")
                        % {
                            "department": entry.department,
                            "name": entry.customer.name,
                            "reason": entry.reason[:200],
                        },
                        entry.submission_comment[:300],
                    ],
                )
            ),
            url=entry_url(entry.pk),
            dedup_key=f"blacklist-reported:{entry.pk}",
        )


def _lock_entry(entry_id: int) -> BlacklistEntry:
    return (
        BlacklistEntry.objects.select_for_update().select_related("customer", "department").get(pk=entry_id)
    )


def blacklist_entry_submit(
    *,
    actor: User,
    entry_id: int,
    comment: str = "",
    loss_amount=None,
    evidence=(),
    now: datetime | None = None,
) -> BlacklistEntry:
    """The department's manager submits a salesperson's proposal to 总经办 (it becomes a report).

    The manager's opinion (意见) goes with it; before submitting, the manager may correct the
    loss amount and add evidence files (recorded in the audit entry). Raises BlacklistError for
    another role or department, an entry already submitted, or a negative amount.
    """
    now = now or timezone.now()
    if loss_amount is not None and loss_amount < 0:
        raise BlacklistError(_("The loss amount cannot be negative."))
    with transaction.atomic():
        entry = _lock_entry(entry_id)
        if not (actor.is_manager and actor.department_id == entry.department_id):
            raise BlacklistError(_("Only the department's manager submits a proposal."))
        if not entry.awaiting_manager:
            raise BlacklistError(_("This entry has already been submitted or decided."))
        before = {"loss_amount": entry.loss_amount}
        entry.reported_by, entry.reported_at = actor, now
        entry.submission_comment = (comment or "").strip()
        if loss_amount is not None:
            entry.loss_amount = loss_amount
        entry.save(update_fields=["reported_by", "reported_at", "submission_comment", "loss_amount"])
        blacklist_evidence_add(actor=actor, entry=entry, files=evidence)
        audit_record(
            actor=actor,
            action="blacklist.entry.reported",
            target=entry,
            before=before,
            after={"loss_amount": entry.loss_amount, "opinion": entry.submission_comment},
        )
        _notify_gm_reported(entry)
    return entry


def blacklist_entry_approve(
    *,
    actor: User,
    entry_id: int,
    ends_on: date | None = None,
    comment: str = "",
    now: datetime | None = None,
) -> BlacklistEntry:
    """总经办 verifies and approves: the entry becomes active from today.

    It ends after the policy's validity (6 calendar months) or on the shorter `ends_on`;
    a longer period is refused (also by the database). Marks the customer blacklisted and
    sets it inactive. Raises BlacklistError for a wrong role, state, or end date.
    """
    now = now or timezone.now()
    if not actor.is_gm_office:
        raise BlacklistError(_("Only 总经办 approves blacklist entries."))
    today = timezone.localdate(now)
    longest = validity_end(starts_on=today)
    if ends_on is not None and ends_on > longest:
        raise BlacklistError(
            _(
                "The blacklist period cannot be longer than %(months)d months: the end date must be on or before %(date)s."
            )
            % {"months": BlacklistPolicy.load().validity_months, "date": longest}
        )
    if ends_on is not None and ends_on <= today:
        raise BlacklistError(_("The end date must be after today."))
    with transaction.atomic():
        entry = _lock_entry(entry_id)
        ensure_transition(entry, EntryState.ACTIVE)
        if entry.awaiting_manager:
            raise BlacklistError(_("The department's manager has not submitted this proposal yet."))
        if BlacklistEntry.objects.filter(customer_id=entry.customer_id, state=EntryState.ACTIVE).exists():
            raise BlacklistError(_("%(name)s already has an active entry.") % {"name": entry.customer.name})
        entry.state = EntryState.ACTIVE
        entry.decided_by, entry.decided_at, entry.decision_comment = actor, now, comment.strip()
        entry.starts_on, entry.ends_on = today, ends_on or longest
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError as exc:
            raise BlacklistError(
                _("%(name)s already has an active entry.") % {"name": entry.customer.name}
            ) from exc
        customer_services.customer_blacklist_mark(customer_id=entry.customer_id, until=entry.ends_on)
        _grading_close(actor=actor, customer_id=entry.customer_id, now=now)
        customer_services.customer_change_status(
            actor=actor, customer_id=entry.customer_id, status=CustomerStatus.INACTIVE, now=now
        )
        audit_record(
            actor=actor,
            action="blacklist.entry.approved",
            target=entry,
            before={"state": EntryState.REPORTED},
            after={
                "state": entry.state,
                "starts_on": entry.starts_on,
                "ends_on": entry.ends_on,
                "comment": entry.decision_comment,
            },
        )
        _notify_decided(entry, approved=True)
    return entry


def _grading_close(*, actor: User, customer_id: int, now: datetime) -> None:
    """A blacklisted customer leaves grading (§4): its open grade proposals are withdrawn by the
    grading app, which owns them (an explicit call, no signal)."""
    from grading.services import proposals_close_on_blacklist

    proposals_close_on_blacklist(customer_id=customer_id, actor=actor, now=now)


def blacklist_entry_reject(
    *, actor: User, entry_id: int, comment: str, now: datetime | None = None
) -> BlacklistEntry:
    """总经办 rejects a report (or the manager a salesperson's proposal), with a comment."""
    now = now or timezone.now()
    if not comment.strip():
        raise BlacklistError(_("Give a comment when rejecting."))
    with transaction.atomic():
        entry = _lock_entry(entry_id)
        ensure_transition(entry, EntryState.REJECTED)
        manager_may = (
            entry.awaiting_manager and actor.is_manager and actor.department_id == entry.department_id
        )
        if not (actor.is_gm_office or manager_may):
            raise BlacklistError(_("Only 总经办 rejects blacklist entries."))
        entry.state = EntryState.REJECTED
        entry.decided_by, entry.decided_at, entry.decision_comment = actor, now, comment.strip()
        entry.save(update_fields=["state", "decided_by", "decided_at", "decision_comment"])
        audit_record(
            actor=actor,
            action="blacklist.entry.rejected",
            target=entry,
            before={"state": EntryState.REPORTED},
            after={"state": entry.state, "comment": entry.decision_comment},
        )
        _notify_decided(entry, approved=False)
    return entry


def _notify_decided(entry: BlacklistEntry, *, approved: bool) -> None:
    people = list(managers_of([entry.department_id]))
    people += [u for u in (entry.reported_by, entry.proposed_by) if u is not None]
    with company_language():
        if approved:
            title = _("Blacklisted: %(name)s until %(until)s") % {
                "name": entry.customer.name,
                "until": entry.ends_on,
            }
        else:
            title = _("Blacklist report rejected: %(name)s") % {"name": entry.customer.name}
        notification_send(
            recipients=people,
            kind="blacklist_decided",
            title=title,
            body=entry.decision_comment,
            url=entry_url(entry.pk),
            dedup_key=f"blacklist-decided:{entry.pk}",
        )


# --- The scheduled job ------------------------------------------------------------------------


def blacklist_entries_expire(*, now: datetime | None = None, since: datetime | None = None) -> dict:
    """Move active entries whose end date has passed to 已到期 (domain §4, §7).

    An entry is valid through its end date and expires the day after. Set-based and
    idempotent: only rows still active change (so a rerun or a late run changes each entry
    once), notifications carry a key per entry, and the customer's mark is lifted while
    re-admission stays required: the customer does not come back by itself.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        due = list(
            BlacklistEntry.objects.select_for_update(of=("self",))
            .filter(state=EntryState.ACTIVE, ends_on__lt=today)
            .values_list("pk", "customer_id", "department_id", "customer__name", "ends_on")
        )
        if not due:
            return {"expired": 0, "notifications": 0}
        ids = [row[0] for row in due]
        changed = BlacklistEntry.objects.filter(pk__in=ids, state=EntryState.ACTIVE).update(
            state=EntryState.EXPIRED, expired_at=now
        )
        customer_services.customer_blacklist_clear(
            customer_ids=[row[1] for row in due], readmission_required=True
        )
        AuditLog.objects.bulk_create(
            [
                AuditLog(
                    action="blacklist.entry.expired",
                    target_type=BlacklistEntry._meta.label_lower,
                    target_id=str(pk),
                    target_repr=str(name)[:200],
                    before={"state": EntryState.ACTIVE},
                    after={"state": EntryState.EXPIRED, "ends_on": ends_on.isoformat()},
                )
                for pk, _cid, _dept, name, ends_on in due
            ]
        )
        gm_ids = list(gm_office_users().values_list("pk", flat=True))
        managers: dict[int, list[int]] = {}
        for user_id, dept_id in managers_of({row[2] for row in due}).values_list("pk", "department_id"):
            managers.setdefault(dept_id, []).append(user_id)
        rows = []
        for pk, _cid, dept_id, name, ends_on in due:
            for recipient in set(gm_ids) | set(managers.get(dept_id, [])):
                rows.append(
                    Notification(
                        recipient_id=recipient,
                        kind="blacklist_expired",
                        title=_("Blacklist entry expired: %(name)s") % {"name": name},
                        body=_(
                            "The entry ended on %(date)s. The customer stays out until re-admitted (重新准入)."
                        )
                        % {"date": ends_on},
                        url=entry_url(pk),
                        dedup_key=f"blacklist-expired:{pk}",
                    )
                )
        sent = notification_bulk_send(rows=rows)
    return {"expired": changed, "notifications": sent}


# --- Re-admission (重新准入) -------------------------------------------------------------------

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
    if actor.is_gm_office:
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
        if entry.state != EntryState.EXPIRED:
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
        if actor.is_gm_office:
            if req.gm_approved_at:
                raise BlacklistError(_("总经办 has already approved this request."))
            req.gm_approved_by, req.gm_approved_at = actor, now
        elif actor.is_manager and actor.department_id == entry.department_id:
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
        if not (actor.is_gm_office or (actor.is_manager and actor.department_id == entry.department_id)):
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
