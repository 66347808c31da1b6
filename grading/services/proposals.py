"""Grade-change proposals and their approval chain (§3): propose, approve, reject, withdraw.

Only `_proposals_apply` changes a grade, and only for approved proposals: it writes the grade
history and calls customers.services.customer_grade_apply, which re-checks the approval.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Notification, User
from crm.services import (
    audit_record,
    company_language,
    gm_office_users,
    managers_of,
    notification_bulk_send,
    notification_send,
)
from customers.models import CustomerStatus, Grade
from customers.services import customer_grade_apply

from ..models import (
    GRADES,
    DemotionCase,
    Evaluation,
    GradeChange,
    GradeProposal,
    ProposalApproval,
    ProposalState,
    Step,
)
from ..permissions import (
    approval_refusal,
    proposal_create_allowed,
    proposal_withdraw_allowed,
)
from .common import (
    GradingError,
    GradingPermissionDenied,
    customer_url,
    first_step,
    proposal_admin_url,
    state_for_step,
    visible_customer,
)
from .rules import is_demotion_from_a, promotion_needs_gm_office


def proposal_create(
    *,
    actor: User,
    customer_id: int,
    to_grade: str,
    reason: str,
    evaluation_id: int | None = None,
    now: datetime | None = None,
) -> GradeProposal:
    """Propose a grade change for a customer the actor may see.

    Rules: an active, non-blacklisted customer; a real change (or the confirmation of a
    provisional grade); a reason; a promotion to A carries an evaluation of this customer as
    evidence, without overdue payments or pickups. One open proposal per customer
    (grading_gradeproposal_one_open). Raises GradingError.
    """
    now = now or timezone.now()
    if not proposal_create_allowed(actor):
        raise GradingPermissionDenied(_("You may not propose grade changes."))
    reason = (reason or "").strip()
    if to_grade not in GRADES:
        raise GradingError(_("Choose a grade from A to D."))
    if not reason:
        raise GradingError(_("Give the reason for the change."))
    with transaction.atomic():
        customer = visible_customer(actor, customer_id, for_update=True)
        if customer.is_blacklisted:
            raise GradingError(_("A blacklisted customer is not graded."))
        if customer.status != CustomerStatus.ACTIVE:
            raise GradingError(_("Only active customers are graded."))
        if to_grade == customer.grade and not customer.grade_provisional:
            raise GradingError(_("The customer already has grade %(grade)s.") % {"grade": to_grade})
        evaluation = None
        if evaluation_id:
            evaluation = Evaluation.objects.filter(pk=evaluation_id, customer=customer).first()
            if evaluation is None:
                raise GradingError(_("The evaluation does not belong to this customer."))
        if to_grade == Grade.A and customer.grade != Grade.A:
            if evaluation is None:
                raise GradingError(_("A promotion to A needs an evaluation sheet as evidence."))
            if evaluation.has_overdue:
                raise GradingError(
                    _(
                        "The evaluation shows overdue payments or pickups in the period: the customer cannot be A."
                    )
                )
        proposal = GradeProposal(
            customer=customer,
            from_grade=customer.grade,
            from_provisional=customer.grade_provisional,
            to_grade=to_grade,
            reason=reason,
            evaluation=evaluation,
            proposed_by=actor,
            state=state_for_step(first_step(proposer=actor, customer=customer)),
            created_at=now,
        )
        try:
            with transaction.atomic():
                proposal.save()
        except IntegrityError as exc:
            raise GradingError(_("This customer already has an open grade-change proposal.")) from exc
        audit_record(
            actor=actor,
            action="grading.proposal.created",
            target=proposal,
            after={
                "from": proposal.from_grade,
                "to": to_grade,
                "reason": reason,
                "evaluation": evaluation_id,
            },
        )
        _notify_next_approvers(proposal)
    return proposal


def proposal_approve(
    *,
    proposal_id: int,
    approver: User,
    comment: str = "",
    to_grade: str | None = None,
    now: datetime | None = None,
) -> GradeProposal:
    """Approve the current step; the last step applies the grade (and closes a demotion case).

    Steps: department manager, then 总经办 when the new grade is A. The proposal row is locked
    (select_for_update): of two managers approving at once, the second reads "already
    decided". A demotion of an A customer goes to B or C (§3): the approver chooses with
    `to_grade`; any other proposal is approved as proposed. Raises GradingError when it is not
    the approver's turn or the chosen grade is not allowed.
    """
    return _decide(
        proposal_id=proposal_id, approver=approver, approved=True, comment=comment, now=now, to_grade=to_grade
    )


def proposal_reject(
    *, proposal_id: int, approver: User, comment: str, now: datetime | None = None
) -> GradeProposal:
    """Reject at the current step, with the reason in the comment (the proposer is told)."""
    if not (comment or "").strip():
        raise GradingError(_("Say why the proposal is rejected."))
    return _decide(proposal_id=proposal_id, approver=approver, approved=False, comment=comment, now=now)


DEMOTION_GRADES = (Grade.B, Grade.C)


def _decide(
    *,
    proposal_id: int,
    approver: User,
    approved: bool,
    comment: str,
    now: datetime | None,
    to_grade: str | None = None,
) -> GradeProposal:
    now = now or timezone.now()
    comment = (comment or "").strip()
    with transaction.atomic():
        proposal = _locked(proposal_id)
        refusal = approval_refusal(approver, proposal)
        if refusal:
            raise GradingError(refusal)
        if approved and proposal.customer.is_blacklisted:
            raise GradingError(_("A blacklisted customer is not graded."))  # reject it instead
        proposed_to = proposal.to_grade
        if approved and to_grade and to_grade != proposal.to_grade:
            if not is_demotion_from_a(proposal.from_grade, proposal.to_grade):
                raise GradingError(_("Only a demotion from A lets the approver choose the grade."))
            if to_grade not in DEMOTION_GRADES:
                raise GradingError(_("An A customer is demoted to B or C."))
            proposal.to_grade = to_grade
            proposal.save(update_fields=["to_grade"])
        elif (
            approved
            and to_grade
            and is_demotion_from_a(proposal.from_grade, proposal.to_grade)
            and to_grade not in DEMOTION_GRADES
        ):
            raise GradingError(_("An A customer is demoted to B or C."))
        step = proposal.current_step
        ProposalApproval.objects.create(
            proposal=proposal,
            step=step,
            approver=approver,
            approved=approved,
            comment=comment,
            decided_at=now,
        )
        before = proposal.state
        if approved and step == Step.MANAGER and promotion_needs_gm_office(proposal.to_grade):
            proposal.state = ProposalState.PENDING_GM
            proposal.save(update_fields=["state"])
            _notify_next_approvers(proposal)
        else:
            proposal.state = ProposalState.APPROVED if approved else ProposalState.REJECTED
            proposal.decided_at = now
            proposal.save(update_fields=["state", "decided_at"])
            if approved:
                _proposals_apply([proposal], now=now)
            _notify_proposer(proposal, approved=approved, comment=comment)
        audit_record(
            actor=approver,
            action="grading.proposal.approved" if approved else "grading.proposal.rejected",
            target=proposal,
            before={"state": before, "to": proposed_to},
            after={"state": proposal.state, "step": step, "comment": comment, "to": proposal.to_grade},
        )
    return proposal


def proposal_withdraw(*, proposal_id: int, actor: User, now: datetime | None = None) -> GradeProposal:
    """The proposer takes back an open proposal (a system proposal: the department's manager)."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = _locked(proposal_id)
        if not proposal.is_open:
            raise GradingError(_("This proposal has already been decided."))
        if not proposal_withdraw_allowed(actor, proposal):
            raise GradingPermissionDenied(_("Only the proposer may withdraw a proposal."))
        proposal.state = ProposalState.WITHDRAWN
        proposal.decided_at = now
        proposal.save(update_fields=["state", "decided_at"])
        audit_record(actor=actor, action="grading.proposal.withdrawn", target=proposal)
    return proposal


def _locked(proposal_id: int) -> GradeProposal:
    try:
        return (
            GradeProposal.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(pk=proposal_id)
        )
    except GradeProposal.DoesNotExist as exc:
        raise GradingError(_("Proposal not found.")) from exc


def _proposals_apply(
    proposals: list[GradeProposal], *, now: datetime, approver_names: dict | None = None
) -> None:
    """Write the grade history of approved proposals, set the grades, close demotion cases.

    Set-based (used by the approval of one proposal and by the jobs for many).
    """
    if not proposals:
        return
    if approver_names is None:
        approver_names = {}
        for a in ProposalApproval.objects.filter(proposal__in=proposals, approved=True).select_related(
            "approver"
        ):
            approver_names.setdefault(a.proposal_id, []).append(a.approver.display_name)
    GradeChange.objects.bulk_create(
        [
            GradeChange(
                customer_id=p.customer_id,
                proposal=p,
                from_grade=p.from_grade,
                to_grade=p.to_grade,
                provisional=p.to_provisional,
                reason=p.reason,
                reason_code=p.reason_code,
                reason_params=p.reason_params,
                proposed_by_id=p.proposed_by_id,
                approvers="、".join(approver_names.get(p.pk, []))[:300],
                changed_at=now,
            )
            for p in proposals
        ],
        batch_size=1000,
    )
    customer_grade_apply(proposals=proposals, since=timezone.localdate(now))
    demoted = {p.customer_id: p for p in proposals if is_demotion_from_a(p.from_grade, p.to_grade)}
    for customer_id, p in demoted.items():
        DemotionCase.objects.filter(customer_id=customer_id, resolved_at__isnull=True).update(
            resolved_at=now, resolved_by_proposal=p
        )


def _notify_next_approvers(proposal: GradeProposal) -> None:
    """Tell whoever takes the next step that it is their turn (once per proposal and step)."""
    customer = proposal.customer
    if proposal.state == ProposalState.PENDING_GM:
        recipients = gm_office_users()
    else:
        recipients = managers_of([customer.department_id])
    recipients = [u for u in recipients if u.pk != proposal.proposed_by_id]
    with company_language():
        notification_send(
            recipients=recipients,
            kind="grading_approval",
            title=_("Grade change to approve: %(customer)s %(from)s → %(to)s")
            % {"customer": customer.name, "from": proposal.from_grade or "—", "to": proposal.to_grade},
            body=proposal.reason_text,
            url=proposal_admin_url(proposal.pk),
            dedup_key=f"grading-approve:{proposal.pk}:{proposal.state}",
        )


def _notify_proposer(proposal: GradeProposal, *, approved: bool, comment: str) -> None:
    if proposal.proposed_by_id is None:
        return
    customer = proposal.customer
    with company_language():
        title = (
            _("Grade change approved: %(customer)s is now %(to)s")
            if approved
            else _("Grade change rejected: %(customer)s stays %(from)s")
        ) % {"customer": customer.name, "to": proposal.to_grade, "from": proposal.from_grade or "—"}
    notification_bulk_send(
        rows=[
            Notification(
                recipient_id=proposal.proposed_by_id,
                kind="grading_decision",
                title=title[:200],
                body=comment,
                url=customer_url(customer.pk),
                dedup_key=f"grading-decided:{proposal.pk}",
            )
        ]
    )
