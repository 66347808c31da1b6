"""The provisional grade (暂定等级, §3) of one customer: asked for on its page, or set when it
becomes active. The rule and the bulk write are the job's (jobs.provisional_grades_assign);
this module only imports it, so proposals and jobs no longer import each other.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from crm.services import audit_record
from customers.models import Customer, CustomerStatus

from ..models import GradeProposal
from ..permissions import provisional_assign_allowed
from .common import GradingError, GradingPermissionDenied, visible_customer
from .jobs import provisional_grades_assign


def grade_provisional_assign(
    *, customer_id: int, actor: User | None = None, now: datetime | None = None
) -> GradeProposal:
    """暂定等级 for one active, ungraded customer, from the rules on its latest yearly figures.

    The provisional grade is decided by the rules (at most B), never typed by a person: the
    salesperson or manager only asks for it now instead of waiting for the nightly
    `new-customer-evaluation` job, which assigns it to every active ungraded customer.
    It is recorded as an approved proposal of kind "provisional" and in the grade history.
    """
    now = now or timezone.now()
    if actor is not None and not provisional_assign_allowed(actor):
        raise GradingPermissionDenied(_("You may not ask for a provisional grade."))
    with transaction.atomic():
        if actor is not None:
            customer = visible_customer(actor, customer_id, for_update=True)
        else:
            customer = Customer.objects.select_for_update().get(pk=customer_id)
        if customer.grade:
            raise GradingError(_("The customer already has a grade."))
        if customer.status != CustomerStatus.ACTIVE or customer.is_blacklisted:
            raise GradingError(_("Only active customers get a provisional grade."))
        created = provisional_grades_assign(Customer.objects.filter(pk=customer.pk), now=now, proposer=actor)
        if not created:
            raise GradingError(_("The customer already has a grade."))
        proposal = created[0]
        audit_record(
            actor=actor,
            action="grading.grade.provisional",
            target=customer,
            after={"grade": proposal.to_grade},
        )
    return proposal


def grade_provisional_on_activation(
    *, customer: Customer, actor: User | None, now: datetime
) -> GradeProposal | None:
    """The hook customers.services.customer_change_status calls when a customer becomes active.

    An ungraded customer gets its provisional grade (暂定等级, §3) at once, set by the rules
    (the system is the proposer); a customer that already has a grade (re-activated, or
    re-admitted as C) or an open proposal keeps it. Runs inside the status change's transaction.
    """
    created = provisional_grades_assign(Customer.objects.filter(pk=customer.pk), now=now)
    if not created:
        return None
    proposal = created[0]
    audit_record(
        actor=actor,
        action="grading.grade.provisional",
        target=customer,
        after={"grade": proposal.to_grade, "on": "activation"},
    )
    return proposal
