"""Reporting, submitting and deciding blacklist entries (domain §4).


- a manager reports an entry for a customer of the department; a salesperson proposes one for
  an own customer, which reaches 总经办 only after the manager submits it (or rejects it);
- 总经办 approves (validity starts; default 6 calendar months, or a shorter end date) or
  rejects, with a comment;
- approval marks the customer blacklisted and sets it inactive (停止合作): a blacklisted
  customer is not a cooperating one, and stays inactive after expiry until re-admitted.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.forms import messages_from
from crm.models import User
from crm.services import audit_record, company_language, gm_office_users, managers_of, notification_send
from customers import services as customer_services
from customers.models import CustomerStatus
from customers.selectors import customer_list_for

from .. import permissions
from ..models import BlacklistEntry, BlacklistPolicy, EntryState
from .rules import (
    BlacklistError,
    _lock_entry,
    blacklist_evidence_add,
    ensure_transition,
    entry_url,
    validity_end,
)


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
    if not permissions.blacklist_entry_report_allowed(actor):
        raise BlacklistError(_("Only a manager reports blacklist entries; a salesperson proposes them."))
    if not reason.strip():
        raise BlacklistError(_("Give the reason."))
    if loss_amount is not None and loss_amount < 0:
        raise BlacklistError(_("The loss amount cannot be negative."))
    with transaction.atomic():
        customer = customer_list_for(actor).select_for_update(of=("self",)).filter(pk=customer_id).first()
        if customer is None or not permissions.blacklist_entry_report_allowed(actor, customer):
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
        to_gm = permissions.blacklist_report_to_gm_allowed(actor)
        if to_gm:
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
            action="blacklist.entry.reported" if to_gm else "blacklist.entry.proposed",
            target=entry,
            after={"customer_id": customer.pk, "reason": entry.reason, "loss_amount": entry.loss_amount},
        )
        if to_gm:
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
        if not entry.awaiting_manager:
            raise BlacklistError(_("This entry has already been submitted or decided."))
        if not permissions.blacklist_entry_submit_allowed(actor, entry):
            raise BlacklistError(_("Only the department's manager submits a proposal."))
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
    if not permissions.blacklist_verification_allowed(actor):
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
        if not permissions.blacklist_entry_reject_allowed(actor, entry):
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
