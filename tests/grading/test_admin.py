"""The admin where managers approve: scoping, the default filter, actions with a comment."""

import pytest
from django.urls import reverse

from customers.models import Customer
from grading.models import GradeProposal, ProposalState
from grading.services import proposal_approve, proposal_create
from tests.factories import CustomerFactory

CHANGELIST = "admin:grading_gradeproposal_changelist"


@pytest.fixture
def proposals(now, salesperson, south_salesperson):
    east = [CustomerFactory(owner=salesperson, grade="C") for _ in range(3)]
    south = CustomerFactory(owner=south_salesperson, grade="C")
    made = [
        proposal_create(actor=salesperson, customer_id=c.pk, to_grade="B", reason=f"增长{i}")
        for i, c in enumerate(east)
    ]
    made.append(proposal_create(actor=south_salesperson, customer_id=south.pk, to_grade="D", reason="下降"))
    return made


def test_manager_list_shows_only_own_department_awaiting_them(
    client_for, manager, proposals, django_assert_max_num_queries
):
    client = client_for(manager)
    with django_assert_max_num_queries(20):
        response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    shown = {p.pk for p in response.context["cl"].result_list}
    assert shown == {p.pk for p in proposals[:3]}


def test_manager_list_query_count_does_not_grow(
    client_for, manager, salesperson, proposals, django_assert_max_num_queries
):
    for _ in range(20):
        c = CustomerFactory(owner=salesperson, grade="C")
        proposal_create(actor=salesperson, customer_id=c.pk, to_grade="D", reason="x")
    client = client_for(manager)
    with django_assert_max_num_queries(20):
        response = client.get(reverse(CHANGELIST))
    assert len(response.context["cl"].result_list) == 23


def test_other_departments_proposal_is_404(client_for, south_manager, proposals):
    client = client_for(south_manager)
    assert (
        client.get(reverse("admin:grading_gradeproposal_change", args=[proposals[0].pk])).status_code == 404
    )
    assert (
        client.post(
            reverse("admin:grading_gradeproposal_decide", args=[proposals[0].pk]), {"decision": "approve"}
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("admin:grading_gradeproposal_change", args=[proposals[3].pk])).status_code == 200
    )


def test_gm_office_sees_only_a_promotions_awaiting_them(
    client_for, manager, gm_office, salesperson, proposals, figures
):
    from grading.services import evaluation_create

    c = CustomerFactory(owner=salesperson, grade="B")
    figures(c, volume=3_500_000)
    ev = evaluation_create(
        actor=salesperson,
        customer_id=c.pk,
        period_year=2025,
        scores={"volume": 90, "payment": 90, "reputation": 90, "loyalty": 90, "growth": 90},
    )
    promo = proposal_create(
        actor=salesperson, customer_id=c.pk, to_grade="A", reason="升A", evaluation_id=ev.pk
    )
    response = client_for(gm_office).get(reverse(CHANGELIST))
    assert [p.pk for p in response.context["cl"].result_list] == []
    proposal_approve(proposal_id=promo.pk, approver=manager)
    response = client_for(gm_office).get(reverse(CHANGELIST))
    assert [p.pk for p in response.context["cl"].result_list] == [promo.pk]


def test_bulk_approve_asks_for_a_comment_then_decides(client_for, manager, proposals):
    client = client_for(manager)
    ids = [str(p.pk) for p in proposals[:2]]
    confirm = client.post(reverse(CHANGELIST), {"action": "approve_selected", "_selected_action": ids})
    assert confirm.status_code == 200 and 'name="comment"' in confirm.content.decode()
    assert GradeProposal.objects.filter(state=ProposalState.APPROVED).count() == 0
    done = client.post(
        reverse(CHANGELIST),
        {"action": "approve_selected", "_selected_action": ids, "apply": "1", "comment": "同意"},
    )
    assert done.status_code == 302
    approved = GradeProposal.objects.filter(state=ProposalState.APPROVED)
    assert set(approved.values_list("pk", flat=True)) == {proposals[0].pk, proposals[1].pk}
    assert set(
        Customer.objects.filter(pk__in=[p.customer_id for p in proposals[:2]]).values_list("grade", flat=True)
    ) == {"B"}


def test_bulk_reject_needs_a_comment(client_for, manager, proposals):
    client = client_for(manager)
    client.post(
        reverse(CHANGELIST),
        {"action": "reject_selected", "_selected_action": [proposals[0].pk], "apply": "1", "comment": ""},
    )
    assert GradeProposal.objects.get(pk=proposals[0].pk).state == ProposalState.PENDING_MANAGER


def test_single_decision_from_the_change_page(client_for, manager, proposals):
    client = client_for(manager)
    page = client.get(reverse("admin:grading_gradeproposal_change", args=[proposals[0].pk]))
    assert 'id="grading-decide"' in page.content.decode()
    client.post(
        reverse("admin:grading_gradeproposal_decide", args=[proposals[0].pk]),
        {"decision": "reject", "comment": "依据不足"},
    )
    assert GradeProposal.objects.get(pk=proposals[0].pk).state == ProposalState.REJECTED


def test_grade_is_not_editable_in_the_customer_admin(client_for, administrator, customer):
    from django.contrib import admin as django_admin

    model_admin = django_admin.site._registry.get(Customer)
    if model_admin is None:
        pytest.skip("customers admin not registered")
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = administrator
    form = model_admin.get_form(request, customer)
    assert "grade" not in form.base_fields


def test_customer_import_cannot_set_the_grade(administrator):
    resources = pytest.importorskip("customers.resources")
    checked = 0
    for name in dir(resources):
        resource = getattr(resources, name)
        meta = getattr(resource, "_meta", None)
        if (
            isinstance(resource, type)
            and hasattr(resource, "get_import_fields")
            and getattr(meta, "model", None) is Customer
        ):
            try:
                instance = resource(user=administrator)
            except TypeError:
                instance = resource()
            grade_fields = [
                f for f in instance.get_import_fields() if f.attribute in ("grade", "grade_provisional")
            ]
            assert all(f.readonly for f in grade_fields)  # exported for reading, never imported
            checked += 1
    assert checked
