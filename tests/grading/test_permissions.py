"""grading/permissions.py: each predicate answers per role as the permission matrix declares for
the screen it guards, and the services raise GradingPermissionDenied (a PermissionDenied) on it."""

import pytest
from django.core.exceptions import PermissionDenied

from grading import permissions
from grading.services import (
    GradingError,
    GradingPermissionDenied,
    grade_provisional_assign,
    proposal_create,
    proposal_withdraw,
)
from tests.factories import CustomerFactory
from tests.trust.test_permission_matrix import MATRIX, OK, ROLES, users  # noqa: F401  the personas

pytestmark = pytest.mark.django_db

# The screen → the predicate its view asks (and its service raises on).
GUARDS = {
    "grading:evaluate": permissions.evaluation_create_allowed,
    "grading:propose": permissions.proposal_create_allowed,
    "grading:incident_add": permissions.incident_record_allowed,
    "grading:provisional": permissions.provisional_assign_allowed,
    "grading:review": permissions.review_view_allowed,
    "grading:round_start": permissions.review_round_start_allowed,
}


def test_the_predicates_answer_as_the_permission_matrix_says(users):  # noqa: F811
    wrong = []
    for name, predicate in GUARDS.items():
        expected = MATRIX[name].get("get") or MATRIX[name]["post"]
        for role in ROLES[1:]:
            if predicate(users[role]) != (expected[role] in (200, OK)):
                wrong.append(f"{name} as {role}")
    assert not wrong, wrong


def test_a_refusal_is_both_a_permission_denied_and_the_domain_error(assistant, administrator, customer):
    with pytest.raises(PermissionDenied) as refused:
        proposal_create(actor=assistant, customer_id=customer.pk, to_grade="B", reason="增长")
    assert isinstance(refused.value, GradingError)
    ungraded = CustomerFactory(owner=customer.owner, grade="")
    with pytest.raises(GradingPermissionDenied):
        grade_provisional_assign(customer_id=ungraded.pk, actor=administrator)


def test_the_steps_and_withdrawal(
    salesperson, other_salesperson, manager, south_manager, gm_office, customer
):
    proposal = proposal_create(actor=salesperson, customer_id=customer.pk, to_grade="B", reason="增长")
    assert permissions.proposal_manager_step_allowed(manager, proposal)
    assert not permissions.proposal_manager_step_allowed(south_manager, proposal)
    assert not permissions.proposal_approve_allowed(gm_office, proposal)  # the manager first
    assert permissions.proposal_withdraw_allowed(salesperson, proposal)
    assert not permissions.proposal_withdraw_allowed(other_salesperson, proposal)
    with pytest.raises(GradingPermissionDenied):
        proposal_withdraw(proposal_id=proposal.pk, actor=other_salesperson)
    own = proposal_create(
        actor=gm_office,
        customer_id=CustomerFactory(owner=salesperson, grade="C").pk,
        to_grade="D",
        reason="下降",
    )
    assert not permissions.proposal_gm_step_allowed(gm_office, own)  # nobody decides their own
