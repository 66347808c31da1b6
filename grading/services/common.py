"""What the grading services share: the domain errors, the visible customer, the steps, links.

Who may do what is decided in grading/permissions.py."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.models import User
from customers.models import Customer
from customers.selectors import customer_list_for

from ..models import Incident, ProposalState, Step


class GradingError(Exception):
    """A grading rule was broken; the message is shown to the user."""


class GradingPermissionDenied(GradingError, PermissionDenied):
    """The user may not do this at all (a predicate of grading.permissions said no).

    A PermissionDenied (403 where nothing catches it) that is also the domain error, so the
    screens that show a GradingError's message show this one too.
    """


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
