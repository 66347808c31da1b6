"""What the blacklist does to grading (§4): a blacklisted customer's open proposals are closed,
and a re-admitted one enters again as grade C. Called by blacklist.services inside its
transaction (the acting service calls the other's service explicitly: no signals).
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from crm.services import audit_record
from customers.models import Customer, Grade

from ..models import (
    DemotionCase,
    GradeProposal,
    ProposalApproval,
    ProposalKind,
    ProposalState,
    Step,
    SystemReason,
    WithdrawalReason,
)
from ..permissions import readmission_grade_allowed
from .common import GradingPermissionDenied
from .proposals import _proposals_apply


def proposals_close_on_blacklist(*, customer_id: int, actor: User | None, now: datetime) -> int:
    """Withdraw the open proposals of a customer just blacklisted, and close its demotion case.

    §4: a blacklisted customer is left out of grading; a proposal left open would count on the
    approvers' 工作台 and fail when approved. Called by blacklist.services.blacklist_entry_approve inside
    its transaction; the withdrawal is by the system, its reason kept on the proposal and in the
    audit log. Returns the number of proposals withdrawn.
    """
    with transaction.atomic():
        proposals = list(
            GradeProposal.objects.select_for_update(of=("self",)).filter(
                customer_id=customer_id, state__in=[ProposalState.PENDING_MANAGER, ProposalState.PENDING_GM]
            )
        )
        for proposal in proposals:
            before = proposal.state
            proposal.state = ProposalState.WITHDRAWN
            proposal.decided_at = now
            proposal.withdrawn_reason = WithdrawalReason.BLACKLISTED
            proposal.save(update_fields=["state", "decided_at", "withdrawn_reason"])
            audit_record(
                actor=actor,
                action="grading.proposal.withdrawn",
                target=proposal,
                before={"state": before},
                after={"state": proposal.state, "reason": WithdrawalReason.BLACKLISTED},
            )
        # No demotion to escalate: the customer is out of grading altogether.
        DemotionCase.objects.filter(customer_id=customer_id, resolved_at__isnull=True).update(resolved_at=now)
    return len(proposals)


def grade_readmission_apply(
    *, customer_id: int, manager: User, gm: User, reason: str, now: datetime | None = None
) -> GradeProposal:
    """Re-admission after the blacklist (§4): the customer re-enters as grade C.

    Called by the blacklist app's re-admission service once 总经办 and the department leader
    have approved; both are recorded as the approvers, and the grade history shows the change.
    """
    now = now or timezone.now()
    if not readmission_grade_allowed(manager=manager, gm=gm):
        raise GradingPermissionDenied(
            _("Re-admission needs the general manager's office and the department manager.")
        )
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        GradeProposal.objects.filter(
            customer=customer, state__in=[ProposalState.PENDING_MANAGER, ProposalState.PENDING_GM]
        ).update(state=ProposalState.WITHDRAWN, decided_at=now)
        proposal = GradeProposal.objects.create(
            customer=customer,
            kind=ProposalKind.READMISSION,
            from_grade=customer.grade,
            from_provisional=customer.grade_provisional,
            to_grade=Grade.C,
            reason=reason,
            reason_code=SystemReason.READMISSION,
            proposed_by=None,
            state=ProposalState.APPROVED,
            created_at=now,
            decided_at=now,
        )
        ProposalApproval.objects.bulk_create(
            [
                ProposalApproval(
                    proposal=proposal, step=Step.MANAGER, approver=manager, approved=True, decided_at=now
                ),
                ProposalApproval(proposal=proposal, step=Step.GM, approver=gm, approved=True, decided_at=now),
            ]
        )
        _proposals_apply([proposal], now=now)
        audit_record(actor=gm, action="grading.grade.readmission", target=customer, after={"grade": Grade.C})
    return proposal
