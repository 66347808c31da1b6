"""What the grading services share: the domain error, who may do what, links."""

from django.urls import reverse
from django.utils.translation import gettext as _

from crm.models import User
from customers.models import Customer
from customers.selectors import customer_list_for

from ..models import GradeProposal, Incident, ProposalState, Step


class GradingError(Exception):
    """A grading rule was broken; the message is shown to the user."""


def customer_url(customer_id: int) -> str:
    return reverse("customers:detail", args=[customer_id])


def proposal_admin_url(proposal_id: int) -> str:
    return reverse("admin:grading_gradeproposal_change", args=[proposal_id])


def visible_customer(user: User, customer_id: int, *, for_update: bool = False) -> Customer:
    """The customer if `user` may see it (customer_list_for, the one visibility rule)."""
    qs = customer_list_for(user)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=customer_id)
    except Customer.DoesNotExist as exc:
        raise GradingError(_("Customer not found.")) from exc


def may_propose(user: User) -> bool:
    """Salespeople (own customers), managers (their department) and 总经办 propose (§3)."""
    return user.is_active and (user.is_salesperson or user.is_manager or user.is_gm_office)


def may_evaluate(user: User) -> bool:
    return user.is_active and (user.is_salesperson or user.is_manager or user.is_gm_office)


def may_record_incident(user: User) -> bool:
    return user.is_active and (
        user.is_salesperson or user.is_assistant or user.is_manager or user.is_gm_office
    )


def approval_refusal(user: User, proposal: GradeProposal) -> str | None:
    """Why `user` may not decide `proposal` now, or None if it is their turn.

    The steps (§3): the customer's department manager, then 总经办 when the new grade is A.
    A salesperson never approves; nobody decides their own proposal; a decided proposal
    reads "already decided" (the second of two managers clicking at once lands here).
    """
    if not user.is_active or user.is_salesperson or user.is_assistant:
        return _("You may not approve grade changes.")
    if proposal.state not in (ProposalState.PENDING_MANAGER, ProposalState.PENDING_GM):
        return _("This proposal has already been decided.")
    if proposal.proposed_by_id == user.pk:
        return _("You cannot decide your own proposal.")
    if proposal.state == ProposalState.PENDING_MANAGER:
        if user.is_manager and user.department_id == proposal.customer.department_id:
            return None
        if user.is_gm_office:
            return _("The department manager has not approved this proposal yet.")
        return _("Only the manager of the customer's department may take this step.")
    # Awaiting 总经办: a manager who comes now was beaten to it or already approved.
    if user.is_gm_office:
        return None
    if user.is_manager:
        return _("This proposal has already been decided.")
    return _("Only the general manager's office may take this step.")


def first_step(*, proposer: User | None, customer: Customer) -> str:
    """The department manager reviews first; a manager's own proposal goes to 总经办 instead,
    since nobody approves their own proposal and a department usually has one manager."""
    if proposer is not None and proposer.is_manager and proposer.department_id == customer.department_id:
        return Step.GM
    return Step.MANAGER


def state_for_step(step: str) -> str:
    return ProposalState.PENDING_GM if step == Step.GM else ProposalState.PENDING_MANAGER


def incidents_of_period(*, years: set[int], customer_ids=None) -> dict[tuple[int, int], list[dict]]:
    """The incidents recorded for each (customer, year) of `years`: what feeds an evaluation of
    that period (§3). One query; incidents are few, so the jobs read a whole year at once."""
    qs = Incident.objects.filter(occurred_on__year__in=sorted(years)).order_by("occurred_on", "pk")
    if customer_ids is not None:
        qs = qs.filter(customer_id__in=list(customer_ids))
    out: dict[tuple[int, int], list[dict]] = {}
    for pk, customer_id, kind, on, description in qs.values_list(
        "pk", "customer_id", "incident_type", "occurred_on", "description"
    ):
        out.setdefault((customer_id, on.year), []).append(
            {"id": pk, "type": kind, "date": on.isoformat(), "description": description[:200]}
        )
    return out
