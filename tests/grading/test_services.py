"""Proposals and their approval chain, incidents and demotion cases, grade immutability."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.models import AuditLog, Notification
from customers.models import Customer, CustomerStatus
from customers.services import GradeChangeRefused, customer_grade_apply, customer_update
from grading.models import DemotionCase, GradeChange, GradeProposal, Incident, ProposalState
from grading.services import (
    GradingError,
    evaluation_create,
    grade_provisional_assign,
    incident_record,
    proposal_approve,
    proposal_create,
    proposal_reject,
    proposal_withdraw,
)
from tests.factories import CustomerFactory

GOOD = {"volume": 95, "payment": 90, "reputation": 90, "loyalty": 85, "growth": 80}


def promote_to_a(customer, salesperson, figures):
    figures(customer, volume=3_200_000)
    evaluation = evaluation_create(actor=salesperson, customer_id=customer.pk, period_year=2025, scores=GOOD)
    return proposal_create(
        actor=salesperson,
        customer_id=customer.pk,
        to_grade="A",
        reason="年度业务量超过300万",
        evaluation_id=evaluation.pk,
    )


def grade_of(customer):
    return Customer.objects.values_list("grade", flat=True).get(pk=customer.pk)


# --- Evaluation sheet ---------------------------------------------------------------------------


def test_evaluation_keeps_figures_score_suggestion_and_policy(now, salesperson, b_customer, figures):
    figures(b_customer, volume=3_000_000, pay=0, pick=0)
    ev = evaluation_create(
        actor=salesperson, customer_id=b_customer.pk, period_year=2025, scores=GOOD, notes="良好"
    )
    assert ev.business_volume == 3_000_000
    assert str(ev.weighted_score) == "90.50"  # 38 + 22.5 + 13.5 + 8.5 + 8
    assert ev.suggested_grade == "A"
    assert ev.policy["weights"]["volume"] == 40 and ev.grade_before == "B"


def test_evaluation_with_overdue_pickup_is_not_suggested_a(now, salesperson, b_customer, figures):
    figures(b_customer, volume=5_000_000, pick=1)
    ev = evaluation_create(actor=salesperson, customer_id=b_customer.pk, period_year=2025, scores=GOOD)
    assert ev.suggested_grade == "B"


def test_evaluation_refuses_scores_outside_0_100(now, salesperson, b_customer):
    with pytest.raises(GradingError):
        evaluation_create(
            actor=salesperson, customer_id=b_customer.pk, period_year=2025, scores={**GOOD, "growth": 101}
        )


def test_salesperson_cannot_evaluate_another_salespersons_customer(now, salesperson, other_customer):
    with pytest.raises(GradingError):
        evaluation_create(actor=salesperson, customer_id=other_customer.pk, period_year=2025, scores=GOOD)


# --- Approval chain -----------------------------------------------------------------------------


def test_promotion_to_a_needs_manager_then_gm(now, salesperson, manager, gm_office, b_customer, figures):
    proposal = promote_to_a(b_customer, salesperson, figures)
    assert proposal.state == ProposalState.PENDING_MANAGER
    assert Notification.objects.filter(recipient=manager, kind="grading_approval").count() == 1

    with pytest.raises(GradingError, match="manager has not approved"):
        proposal_approve(proposal_id=proposal.pk, approver=gm_office)
    assert grade_of(b_customer) == "B"

    proposal_approve(proposal_id=proposal.pk, approver=manager, comment="同意")
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.PENDING_GM and grade_of(b_customer) == "B"
    assert Notification.objects.filter(recipient=gm_office, kind="grading_approval").count() == 1

    proposal_approve(proposal_id=proposal.pk, approver=gm_office, comment="批准")
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.APPROVED and grade_of(b_customer) == "A"
    change = GradeChange.objects.get(customer=b_customer)
    assert (change.from_grade, change.to_grade, change.proposed_by) == ("B", "A", salesperson)
    assert change.approvers == "陈静、赵总" and change.reason == "年度业务量超过300万"
    note = Notification.objects.get(recipient=salesperson, kind="grading_decision")
    assert "A" in note.title
    assert (
        AuditLog.objects.filter(action="grading.proposal.approved", target_id=str(proposal.pk)).count() == 2
    )


def test_demotion_needs_only_the_manager(now, salesperson, manager, customer):
    proposal = proposal_create(actor=salesperson, customer_id=customer.pk, to_grade="D", reason="业务量下降")
    proposal_approve(proposal_id=proposal.pk, approver=manager)
    assert grade_of(customer) == "D"


def test_salesperson_cannot_approve(now, salesperson, other_salesperson, manager, customer):
    proposal = proposal_create(actor=salesperson, customer_id=customer.pk, to_grade="B", reason="增长")
    for user in (salesperson, other_salesperson):
        with pytest.raises(GradingError):
            proposal_approve(proposal_id=proposal.pk, approver=user)
    assert grade_of(customer) == "C"


def test_nobody_approves_their_own_proposal(now, manager, gm_office, customer, figures):
    proposal = proposal_create(actor=manager, customer_id=customer.pk, to_grade="B", reason="经理提议")
    # A manager's own proposal goes to 总经办 (the department has no second manager).
    assert proposal.state == ProposalState.PENDING_GM
    with pytest.raises(GradingError, match="own proposal"):
        proposal_approve(proposal_id=proposal.pk, approver=manager)
    proposal_approve(proposal_id=proposal.pk, approver=gm_office)
    assert grade_of(customer) == "B"


def test_manager_of_another_department_cannot_approve(now, salesperson, south_manager, customer):
    proposal = proposal_create(actor=salesperson, customer_id=customer.pk, to_grade="B", reason="增长")
    with pytest.raises(GradingError):
        proposal_approve(proposal_id=proposal.pk, approver=south_manager)


def test_second_decision_reads_already_decided(now, salesperson, manager, customer):
    from tests.factories import UserFactory

    deputy = UserFactory(username="manager2", role="manager", department=manager.department)
    proposal = proposal_create(actor=salesperson, customer_id=customer.pk, to_grade="B", reason="增长")
    proposal_approve(proposal_id=proposal.pk, approver=manager)
    with pytest.raises(GradingError, match="already been decided"):
        proposal_approve(proposal_id=proposal.pk, approver=deputy)
    with pytest.raises(GradingError, match="already been decided"):
        proposal_reject(proposal_id=proposal.pk, approver=deputy, comment="不同意")
    assert proposal.approvals.count() == 1


def test_reject_keeps_grade_and_tells_the_proposer(now, salesperson, manager, customer):
    proposal = proposal_create(actor=salesperson, customer_id=customer.pk, to_grade="B", reason="增长")
    with pytest.raises(GradingError):
        proposal_reject(proposal_id=proposal.pk, approver=manager, comment="")
    proposal_reject(proposal_id=proposal.pk, approver=manager, comment="数据不足")
    assert grade_of(customer) == "C"
    note = Notification.objects.get(recipient=salesperson, kind="grading_decision")
    assert note.body == "数据不足"


def test_one_open_proposal_per_customer(now, salesperson, manager, customer):
    proposal_create(actor=salesperson, customer_id=customer.pk, to_grade="B", reason="增长")
    with pytest.raises(GradingError, match="already has an open"):
        proposal_create(actor=manager, customer_id=customer.pk, to_grade="D", reason="下降")


def test_open_proposal_constraint_holds_in_the_database(now, customer):
    from django.db import IntegrityError, transaction

    GradeProposal.objects.create(customer=customer, from_grade="C", to_grade="B", reason="x", created_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        GradeProposal.objects.create(
            customer=customer, from_grade="C", to_grade="D", reason="y", created_at=now
        )


def test_promotion_to_a_needs_a_clean_evaluation(now, salesperson, b_customer, figures):
    with pytest.raises(GradingError, match="evaluation"):
        proposal_create(actor=salesperson, customer_id=b_customer.pk, to_grade="A", reason="大客户")
    figures(b_customer, volume=4_000_000, pay=2)
    ev = evaluation_create(actor=salesperson, customer_id=b_customer.pk, period_year=2025, scores=GOOD)
    with pytest.raises(GradingError, match="overdue"):
        proposal_create(
            actor=salesperson, customer_id=b_customer.pk, to_grade="A", reason="大客户", evaluation_id=ev.pk
        )


def test_blacklisted_customers_get_no_proposals(now, salesperson, customer):
    Customer.objects.filter(pk=customer.pk).update(is_blacklisted=True, blacklisted_until="2026-09-01")
    with pytest.raises(GradingError, match="blacklisted"):
        proposal_create(actor=salesperson, customer_id=customer.pk, to_grade="B", reason="增长")


def test_proposal_of_a_customer_blacklisted_meanwhile_cannot_be_approved(now, salesperson, manager, customer):
    proposal = proposal_create(actor=salesperson, customer_id=customer.pk, to_grade="B", reason="增长")
    Customer.objects.filter(pk=customer.pk).update(is_blacklisted=True, blacklisted_until="2026-09-01")
    with pytest.raises(GradingError, match="blacklisted"):
        proposal_approve(proposal_id=proposal.pk, approver=manager)
    proposal_reject(proposal_id=proposal.pk, approver=manager, comment="已列入黑名单")
    assert grade_of(customer) == "C"


def test_salesperson_cannot_propose_for_others_customers(now, salesperson, other_customer):
    with pytest.raises(GradingError):
        proposal_create(actor=salesperson, customer_id=other_customer.pk, to_grade="B", reason="增长")


def test_assistant_may_not_propose(now, assistant, customer):
    with pytest.raises(GradingError):
        proposal_create(actor=assistant, customer_id=customer.pk, to_grade="B", reason="增长")


def test_withdraw_by_the_proposer_only(now, salesperson, other_salesperson, customer):
    proposal = proposal_create(actor=salesperson, customer_id=customer.pk, to_grade="B", reason="增长")
    with pytest.raises(GradingError):
        proposal_withdraw(proposal_id=proposal.pk, actor=other_salesperson)
    proposal_withdraw(proposal_id=proposal.pk, actor=salesperson)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.WITHDRAWN


# --- The grade cannot change outside an approved proposal ----------------------------------------


def test_customer_grade_apply_refuses_without_an_approved_proposal(now, salesperson, customer):
    with pytest.raises(GradeChangeRefused):
        customer_grade_apply(since=now.date())
    proposal = proposal_create(actor=salesperson, customer_id=customer.pk, to_grade="B", reason="x")
    with pytest.raises(GradeChangeRefused):
        customer_grade_apply(proposal=proposal, since=now.date())
    # An in-memory object claiming to be approved is re-read from the database and refused.
    proposal.state = ProposalState.APPROVED
    with pytest.raises(GradeChangeRefused):
        customer_grade_apply(proposal=proposal, since=now.date())
    with pytest.raises(GradeChangeRefused):
        customer_grade_apply(proposal=customer, since=now.date())
    assert grade_of(customer) == "C"


def test_archive_form_service_ignores_the_grade(now, salesperson, customer):
    customer_update(actor=salesperson, customer_id=customer.pk, data={"grade": "A", "short_name": "恒力"})
    customer.refresh_from_db()
    assert customer.short_name == "恒力" and customer.grade == "C"


# --- Provisional grade -------------------------------------------------------------------------


def test_provisional_grade_from_latest_figures_recorded_in_history(now, salesperson, figures):
    new = CustomerFactory(owner=salesperson, grade="", status=CustomerStatus.ACTIVE)
    figures(new, year=2024, volume=100)
    figures(new, year=2025, volume=1_200_000)
    proposal = grade_provisional_assign(customer_id=new.pk, actor=salesperson)
    new.refresh_from_db()
    assert (new.grade, new.grade_provisional) == ("B", True)
    assert proposal.kind == "provisional" and proposal.state == ProposalState.APPROVED
    assert GradeChange.objects.get(customer=new).proposed_by == salesperson
    with pytest.raises(GradingError):
        grade_provisional_assign(customer_id=new.pk, actor=salesperson)


# --- Incidents and demotion --------------------------------------------------------------------

PDF = b"%PDF-1.4\n%test\n"


def test_incident_against_a_customer_opens_a_five_day_case(now, salesperson, manager, a_customer):
    evidence = SimpleUploadedFile("合同.pdf", PDF, content_type="application/pdf")
    incident = incident_record(
        actor=salesperson,
        customer_id=a_customer.pk,
        incident_type="contract",
        occurred_on=now.date(),
        description="未按合同交货",
        evidence=evidence,
    )
    assert incident.evidence_name == "合同.pdf" and incident.evidence_content_type == "application/pdf"
    case = DemotionCase.objects.get(customer=a_customer)
    assert case.deadline - case.opened_at == __import__("datetime").timedelta(days=5)
    proposal = GradeProposal.objects.get(customer=a_customer, state=ProposalState.PENDING_MANAGER)
    assert (proposal.from_grade, proposal.to_grade, proposal.proposed_by, proposal.incident) == (
        "A",
        "B",
        None,
        incident,
    )
    assert Notification.objects.filter(recipient=manager, kind="grading_demotion").exists()
    proposal_approve(proposal_id=proposal.pk, approver=manager)
    case.refresh_from_db()
    assert case.resolved_at is not None and case.resolved_by_proposal == proposal
    assert grade_of(a_customer) == "B"


def test_incident_against_b_customer_opens_no_case(now, salesperson, b_customer):
    incident_record(
        actor=salesperson,
        customer_id=b_customer.pk,
        incident_type="late_payment",
        occurred_on=now.date(),
        description="逾期付款",
    )
    assert not DemotionCase.objects.exists() and not GradeProposal.objects.exists()


def test_serious_incident_notifies_gm_office(now, salesperson, gm_office, customer):
    incident = incident_record(
        actor=salesperson,
        customer_id=customer.pk,
        incident_type="loss",
        occurred_on=now.date(),
        description="重大损失",
    )
    assert incident.is_serious
    assert Notification.objects.filter(recipient=gm_office, kind="grading_serious_incident").count() == 1


def test_incident_evidence_of_a_wrong_type_is_refused(now, salesperson, customer):
    bad = SimpleUploadedFile("x.pdf", b"MZ\x90\x00 executable", content_type="application/pdf")
    with pytest.raises(GradingError):
        incident_record(
            actor=salesperson,
            customer_id=customer.pk,
            incident_type="contract",
            occurred_on=now.date(),
            description="x",
            evidence=bad,
        )
    assert not Incident.objects.exists()


def test_activating_a_customer_gives_its_provisional_grade_at_once(now, salesperson, figures):
    """§3: new customers get a provisional grade *when they become active*, not the next night."""
    from customers.services import customer_change_status

    prospect = CustomerFactory(owner=salesperson, grade="", status=CustomerStatus.PROSPECT)
    figures(prospect, year=2025, volume=600_000)
    customer_change_status(actor=salesperson, customer_id=prospect.pk, status=CustomerStatus.ACTIVE, now=now)
    prospect.refresh_from_db()
    assert (prospect.status, prospect.grade, prospect.grade_provisional) == ("active", "C", True)
    change = GradeChange.objects.get(customer=prospect)
    assert change.provisional and change.proposed_by is None and change.to_grade == "C"
    assert AuditLog.objects.filter(action="grading.grade.provisional", target_id=str(prospect.pk)).exists()


def test_activating_without_figures_gives_provisional_d_and_regrading_is_not_repeated(now, salesperson):
    from customers.services import customer_change_status

    prospect = CustomerFactory(owner=salesperson, grade="", status=CustomerStatus.PROSPECT)
    customer_change_status(actor=salesperson, customer_id=prospect.pk, status=CustomerStatus.ACTIVE, now=now)
    customer_change_status(
        actor=salesperson, customer_id=prospect.pk, status=CustomerStatus.INACTIVE, now=now
    )
    customer_change_status(actor=salesperson, customer_id=prospect.pk, status=CustomerStatus.ACTIVE, now=now)
    prospect.refresh_from_db()
    assert (prospect.grade, prospect.grade_provisional) == ("D", True)
    assert GradeChange.objects.filter(customer=prospect).count() == 1
