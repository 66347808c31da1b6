"""The grading section of the customer page (crm.registry), in a constant number of queries."""

from crm.registry import panel_rows

from .models import ProposalState, Step
from .permissions import (
    evaluation_create_allowed,
    incident_record_allowed,
    proposal_approve_allowed,
    proposal_create_allowed,
    proposal_queue_allowed,
    proposal_withdraw_allowed,
    provisional_assign_allowed,
)
from .selectors import grading_panel_data, grading_panel_reads
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


def customer_grading_reads(request, customer) -> dict:
    return grading_panel_reads(customer)


def customer_grading_context(request, customer, rows=None) -> dict:
    user = request.user
    data = grading_panel_data(customer, panel_rows(customer_grading_reads, request, customer, rows))
    proposal = data["open_proposal"]
    active = customer.status == "active" and not customer.is_blacklisted
    return {
        **data,
        "progress": approval_progress(proposal) if proposal else [],
        # Decisions are made in the admin queue (grading.admin): the link shows when both allow.
        "can_decide": proposal is not None
        and proposal_approve_allowed(user, proposal)
        and proposal_queue_allowed(user),
        "can_withdraw": proposal is not None and proposal_withdraw_allowed(user, proposal),
        "can_propose": active and proposal is None and proposal_create_allowed(user),
        "can_evaluate": not customer.is_blacklisted and evaluation_create_allowed(user),
        "can_record": incident_record_allowed(user),
        "can_provisional": active
        and not customer.grade
        and proposal is None
        and provisional_assign_allowed(user),
    }
