"""Reads of grading, each scoped to what the user may see."""

from collections import Counter

from django.db.models import Count, QuerySet

from crm.db import attach_children
from crm.models import User
from crm.permissions import department_rows
from customers.models import Grade
from customers.selectors import customer_list_for

from .models import (
    GRADES,
    DemotionCase,
    Evaluation,
    GradeChange,
    GradeProposal,
    Incident,
    ProposalApproval,
    ProposalState,
    ReviewRound,
)


def scope_by_department(qs: QuerySet, user: User, customer_path: str | None = "customer") -> QuerySet:
    """Rows whose customer is in the user's department (总经办 and the administrator: all), the
    back office's rule (crm.permissions.department_rows); a department's rows leave out deleted
    customers."""
    if customer_path is None or user.sees_all_departments:
        return qs if user.is_active else qs.none()
    rows = department_rows(qs, user, f"{customer_path}__department_id")
    return rows.filter(**{f"{customer_path}__is_deleted": False})


def proposals_awaiting(user: User, qs: QuerySet[GradeProposal] | None = None) -> QuerySet[GradeProposal]:
    """The proposals whose next step is this user's: the department manager's, or 总经办's for A."""
    qs = qs if qs is not None else GradeProposal.objects.all()
    # A blacklisted customer is not graded (§4): its proposals are withdrawn on blacklisting;
    # this keeps any left from before out of the approvers' queue too.
    qs = qs.filter(customer__is_blacklisted=False)
    if user.is_gm_office:
        return qs.filter(state=ProposalState.PENDING_GM).exclude(proposed_by=user)
    if user.is_manager and user.department_id:
        return qs.filter(
            state=ProposalState.PENDING_MANAGER, customer__department_id=user.department_id
        ).exclude(proposed_by=user)
    return qs.none()


def proposals_visible(user: User) -> QuerySet[GradeProposal]:
    return GradeProposal.objects.filter(customer__in=customer_list_for(user).values("pk"))


def grading_panel_reads(customer, *, history_limit: int = 10, list_limit: int = 5) -> dict[str, QuerySet]:
    """What the customer page's grading panel shows, as querysets (read in the page's statement)."""
    open_states = [ProposalState.PENDING_MANAGER, ProposalState.PENDING_GM]
    reads = {
        "open_proposal": GradeProposal.objects.filter(customer=customer, state__in=open_states)
        .select_related("proposed_by", "evaluation")
        .order_by("pk")[:1],
        "approvals": ProposalApproval.objects.filter(
            proposal__customer=customer, proposal__state__in=open_states
        ).select_related("approver"),
        "history": GradeChange.objects.filter(customer=customer).select_related("proposed_by")[
            :history_limit
        ],
        "evaluations": Evaluation.objects.filter(customer=customer).select_related("evaluated_by")[
            :list_limit
        ],
        "incidents": Incident.objects.filter(customer=customer).select_related("recorded_by")[:list_limit],
    }
    # A case opens for an A customer and closes with its demotion (proposal_decide): none is
    # open for another grade, so no read then.
    if customer.grade == Grade.A:
        reads["demotion_case"] = DemotionCase.objects.filter(
            customer=customer, resolved_at__isnull=True
        ).order_by("pk")[:1]
    return reads


def grading_panel_data(customer, rows: dict) -> dict:
    """The grading panel's data from the rows of `grading_panel_reads`."""
    open_proposal = next(iter(rows["open_proposal"]), None)
    if open_proposal is not None:
        attach_children([open_proposal], "approvals", rows["approvals"])
        open_proposal.customer = customer  # the predicates read its department: no second read
    return {
        "history": rows["history"],
        "evaluations": rows["evaluations"],
        "incidents": rows["incidents"],
        "open_proposal": open_proposal,
        "demotion_case": next(iter(rows.get("demotion_case", [])), None),
    }


def current_round() -> ReviewRound | None:
    return ReviewRound.objects.order_by("-opened_at", "-id").first()


def round_distribution(user: User, round_: ReviewRound) -> list[dict]:
    """The customers evaluated in the round by grade: before the round, suggested, and now.

    One GROUP BY over the round's evaluations of the user's scope (the three columns at once:
    each pass over the round joins its ~85,000 evaluations to the customers)."""
    evaluations = scope_by_department(Evaluation.objects.filter(round=round_), user)
    before, suggested, now_ = Counter(), Counter(), Counter()
    rows = evaluations.values_list("grade_before", "suggested_grade", "customer__grade").annotate(
        n=Count("*")  # not Count("id"): the covering index grading_eval_round_grades has no id
    )
    for grade_before, suggested_grade, grade_now, n in rows.order_by():
        before[grade_before] += n
        suggested[suggested_grade] += n
        now_[grade_now] += n
    return [
        {"grade": g or "—", "before": before[g], "suggested": suggested[g], "now": now_[g]}
        for g in [*GRADES, ""]
    ]


def round_overview(user: User, round_: ReviewRound) -> dict:
    """The 分级评审 page: proposals by state and the grade distribution before and after the round."""
    proposals = scope_by_department(GradeProposal.objects.filter(round=round_), user)
    by_state = dict(proposals.values_list("state").annotate(n=Count("id")).order_by())
    distribution = round_distribution(user, round_)
    return {
        "by_state": [(s, label, by_state.get(s, 0)) for s, label in ProposalState.choices],
        "distribution": distribution,
        "evaluated": sum(r["before"] for r in distribution),
    }


# --- Figures of the 工作台 (crm.dashboards; grading/dashboards.py) -----------------------------


def proposals_open_by(user: User) -> QuerySet[GradeProposal]:
    """The user's own grade-change proposals still awaiting a decision, of customers they may see."""
    from .models import OPEN_STATES

    return (
        proposals_visible(user)
        .filter(proposed_by=user, state__in=OPEN_STATES)
        .select_related("customer")
        .order_by("created_at", "pk")
    )


def incidents_of(customer) -> QuerySet[Incident]:
    """The customer's incident records, newest first (none without a customer); for other apps'
    forms that refer to them (blacklisting)."""
    if customer is None:
        return Incident.objects.none()
    return Incident.objects.filter(customer=customer).order_by("-occurred_on")


def evaluations_visible(user: User) -> QuerySet[Evaluation]:
    """Evaluations of the customers the user may see, with customer and owner (the printed form)."""
    return Evaluation.objects.select_related("customer__owner").filter(
        customer__in=customer_list_for(user).values("pk")
    )
