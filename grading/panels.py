"""The grading section of the customer page (crm.registry), in a constant number of queries."""

from .models import ProposalState, Step
from .selectors import grading_panel_data
from .services.common import approval_refusal, may_evaluate, may_propose, may_record_incident
from .services.rules import promotion_needs_gm_office


def approval_progress(proposal) -> list[dict]:
    """The steps of an open proposal: done (who, when, comment), current, still to come."""
    steps = [{"step": a.get_step_display(), "done": True, "approval": a} for a in proposal.approvals.all()]
    if proposal.state == ProposalState.PENDING_MANAGER:
        steps.append({"step": Step.MANAGER.label, "current": True})
        if promotion_needs_gm_office(proposal.to_grade):
            steps.append({"step": Step.GM.label})
    elif proposal.state == ProposalState.PENDING_GM:
        steps.append({"step": Step.GM.label, "current": True})
    return steps


def customer_grading_context(request, customer) -> dict:
    user = request.user
    data = grading_panel_data(customer)
    proposal = data["open_proposal"]
    active = customer.status == "active" and not customer.is_blacklisted
    return {
        **data,
        "progress": approval_progress(proposal) if proposal else [],
        "can_decide": proposal is not None and approval_refusal(user, proposal) is None and user.is_staff,
        "can_withdraw": proposal is not None
        and (
            proposal.proposed_by_id == user.pk
            or (
                proposal.proposed_by_id is None
                and user.is_manager
                and user.department_id == customer.department_id
            )
        ),
        "can_propose": active and proposal is None and may_propose(user),
        "can_evaluate": not customer.is_blacklisted and may_evaluate(user),
        "can_record": may_record_incident(user),
        "can_provisional": active
        and not customer.grade
        and proposal is None
        and (may_propose(user) or user.is_assistant),
    }
