"""The rules of §3/§4 at the edges found in the field test (issue 14, points 1, 5, 6, 8)."""

from datetime import date, datetime
from types import SimpleNamespace

import pytest
import time_machine

from blacklist import services as blacklist_services
from crm.models import AuditLog
from customers.models import CustomerStatus
from grading import services
from grading.dashboards import awaiting_me
from grading.models import (
    DemotionCase,
    Evaluation,
    EvaluationKind,
    GradeChange,
    GradeProposal,
    ProposalState,
    ReviewRound,
    RoundKind,
    WithdrawalReason,
)
from grading.selectors import proposals_awaiting
from tests.factories import CustomerFactory

from .conftest import SH


def _blacklist(customer, *, manager, gm_office):
    entry = blacklist_services.blacklist_entry_report(
        actor=manager,
        customer_id=customer.pk,
        reason_category="payment",
        reason="长期拖欠货款",
        loss_amount=0,
    )
    return blacklist_services.blacklist_entry_approve(actor=gm_office, entry_id=entry.pk)


# --- 1. Blacklisting closes the open proposals ----------------------------------------------------


def test_blacklisting_withdraws_the_open_proposal_and_the_tile_stops_counting_it(
    now, b_customer, salesperson, manager, gm_office, figures
):
    figures(b_customer, volume=600_000)
    proposal = services.proposal_create(
        actor=salesperson, customer_id=b_customer.pk, to_grade="C", reason="业务量下降"
    )
    assert awaiting_me(SimpleNamespace(user=manager)).count() == 1

    _blacklist(b_customer, manager=manager, gm_office=gm_office)

    proposal.refresh_from_db()
    assert proposal.state == ProposalState.WITHDRAWN
    assert proposal.withdrawn_reason == WithdrawalReason.BLACKLISTED
    assert proposal.decided_at == now
    assert awaiting_me(SimpleNamespace(user=manager)).count() == 0
    assert proposals_awaiting(manager).count() == 0
    log = AuditLog.objects.get(action="grading.proposal.withdrawn", target_id=str(proposal.pk))
    assert log.after["reason"] == "blacklisted" and log.actor_id == gm_office.pk


def test_blacklisting_an_a_customer_closes_its_demotion_case_and_the_gm_step(
    now, a_customer, salesperson, manager, gm_office
):
    services.incident_record(
        actor=salesperson,
        customer_id=a_customer.pk,
        incident_type="loss",
        occurred_on=date(2026, 3, 20),
        description="恶意拖欠并转移资产",
    )
    case = DemotionCase.objects.get(customer=a_customer)
    _blacklist(a_customer, manager=manager, gm_office=gm_office)
    case.refresh_from_db()
    assert case.resolved_at == now and case.resolved_by_proposal is None
    assert not GradeProposal.objects.filter(
        customer=a_customer, state__in=["pending_manager", "pending_gm"]
    ).exists()
    # The deadline job has nothing left to escalate.
    with time_machine.travel(datetime(2026, 4, 5, 9, tzinfo=SH), tick=False):
        assert services.demotion_deadlines_escalate()["escalated"] == 0


def test_a_proposal_left_open_on_a_blacklisted_customer_is_not_awaiting_anyone(
    now, b_customer, salesperson, manager
):
    services.proposal_create(actor=salesperson, customer_id=b_customer.pk, to_grade="C", reason="业务量下降")
    type(b_customer).objects.filter(pk=b_customer.pk).update(  # data from before the fix
        is_blacklisted=True, blacklisted_until=date(2026, 9, 25)
    )
    assert proposals_awaiting(manager).count() == 0


# --- 5. The six-month evaluation, whatever happened to the grade before ---------------------------


def test_six_month_evaluation_of_a_customer_whose_provisional_grade_was_changed(
    salesperson, manager, figures
):
    customer = CustomerFactory(
        name="南京天元精密有限公司",
        owner=salesperson,
        grade="",
        status=CustomerStatus.ACTIVE,
        cooperation_start=date(2026, 1, 12),
    )
    figures(customer, year=2026, volume=1_200_000)
    with time_machine.travel(datetime(2026, 1, 12, 23, tzinfo=SH), tick=False):
        services.new_customer_evaluations_open()
    customer.refresh_from_db()
    assert (customer.grade, customer.grade_provisional) == ("B", True)
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=SH), tick=False):
        p = services.proposal_create(
            actor=salesperson, customer_id=customer.pk, to_grade="C", reason="回款慢"
        )
        services.proposal_approve(proposal_id=p.pk, approver=manager)
    customer.refresh_from_db()
    assert (customer.grade, customer.grade_provisional) == ("C", False)

    with time_machine.travel(datetime(2026, 7, 11, 23, tzinfo=SH), tick=False):
        assert services.new_customer_evaluations_open()["evaluated"] == 0  # not six months yet
    with time_machine.travel(datetime(2026, 7, 12, 23, tzinfo=SH), tick=False):
        assert services.new_customer_evaluations_open()["evaluated"] == 1
        assert services.new_customer_evaluations_open()["evaluated"] == 0  # once
    evaluation = Evaluation.objects.get(customer=customer, kind=EvaluationKind.NEW_CUSTOMER)
    assert evaluation.grade_before == "C" and evaluation.suggested_grade == "B"
    assert GradeProposal.objects.get(customer=customer, evaluation=evaluation).to_grade == "B"


def test_six_month_job_leaves_old_customers_graded_without_a_provisional_grade(salesperson, figures):
    old = CustomerFactory(
        name="老客户有限公司", owner=salesperson, grade="B", cooperation_start=date(2015, 1, 1)
    )
    figures(old, year=2026, volume=1_200_000)
    with time_machine.travel(datetime(2026, 7, 12, 23, tzinfo=SH), tick=False):
        assert services.new_customer_evaluations_open()["evaluated"] == 0


# --- 6. Interim review outside the window, the annual round inside it -----------------------------


def test_a_round_started_in_january_is_interim_and_march_evaluates_everyone_again(
    manager, b_customer, figures
):
    figures(b_customer, year=2025, volume=600_000)  # not final in January
    with time_machine.travel(datetime(2026, 1, 15, 10, tzinfo=SH), tick=False):
        summary = services.review_round_open(actor=manager)
    interim = ReviewRound.objects.get()
    assert interim.kind == RoundKind.INTERIM and summary["evaluated"] == 1
    interim_proposal = GradeProposal.objects.get(round=interim)
    assert interim_proposal.to_grade == "C"

    b_customer.yearly_figures.filter(year=2025).update(business_volume=1_500_000)  # the final figures
    with time_machine.travel(datetime(2026, 3, 25, 1, tzinfo=SH), tick=False):
        summary = services.annual_review_open(since=datetime(2026, 3, 24, 1, tzinfo=SH))
    annual = ReviewRound.objects.get(kind=RoundKind.ANNUAL)
    assert summary["opened"] and summary["evaluated"] == 1
    evaluation = Evaluation.objects.get(round=annual, customer=b_customer)
    assert evaluation.business_volume == 1_500_000 and evaluation.suggested_grade == "B"
    # The interim proposal on the provisional figures gives way to the annual review.
    interim_proposal.refresh_from_db()
    assert interim_proposal.state == ProposalState.WITHDRAWN
    assert interim_proposal.withdrawn_reason == WithdrawalReason.SUPERSEDED
    assert not GradeProposal.objects.filter(round=annual).exists()  # B stays B


def test_a_second_interim_start_reruns_the_open_interim_round(manager, b_customer, figures):
    figures(b_customer, year=2025, volume=600_000)
    with time_machine.travel(datetime(2026, 1, 15, 10, tzinfo=SH), tick=False):
        services.review_round_open(actor=manager)
        assert services.review_round_open(actor=manager)["evaluated"] == 0
    assert ReviewRound.objects.count() == 1


def test_a_round_started_by_hand_inside_the_window_is_the_annual_one(manager, b_customer, figures):
    figures(b_customer, year=2025, volume=1_500_000)
    with time_machine.travel(datetime(2026, 3, 26, 10, tzinfo=SH), tick=False):
        services.review_round_open(actor=manager)
        services.annual_review_open()
    assert list(ReviewRound.objects.values_list("kind", flat=True)) == [RoundKind.ANNUAL]
    assert Evaluation.objects.filter(customer=b_customer).count() == 1


# --- 8. The manager chooses B or C for a demoted A customer ---------------------------------------


@pytest.mark.parametrize("grade", ["B", "C"])
def test_the_manager_demotes_an_a_customer_to_b_or_c(now, a_customer, salesperson, manager, grade):
    incident = services.incident_record(
        actor=salesperson,
        customer_id=a_customer.pk,
        incident_type="contract",
        occurred_on=date(2026, 3, 20),
        description="未按合同提货",
    )
    proposal = GradeProposal.objects.get(incident=incident)
    services.proposal_approve(proposal_id=proposal.pk, approver=manager, to_grade=grade, comment="按制度降级")
    a_customer.refresh_from_db()
    assert a_customer.grade == grade
    change = GradeChange.objects.get(customer=a_customer)
    assert (change.from_grade, change.to_grade) == ("A", grade)
    assert DemotionCase.objects.get(customer=a_customer).resolved_by_proposal_id == proposal.pk


@pytest.mark.parametrize("grade", ["A", "D", "X"])
def test_a_demotion_goes_to_b_or_c_only(now, a_customer, salesperson, manager, grade):
    incident = services.incident_record(
        actor=salesperson,
        customer_id=a_customer.pk,
        incident_type="contract",
        occurred_on=date(2026, 3, 20),
        description="未按合同提货",
    )
    proposal = GradeProposal.objects.get(incident=incident)
    with pytest.raises(services.GradingError, match="B or C"):
        services.proposal_approve(proposal_id=proposal.pk, approver=manager, to_grade=grade)
    assert GradeProposal.objects.get(pk=proposal.pk).state == ProposalState.PENDING_MANAGER


def test_the_grade_of_an_ordinary_proposal_cannot_be_changed_on_approval(
    now, b_customer, salesperson, manager
):
    proposal = services.proposal_create(
        actor=salesperson, customer_id=b_customer.pk, to_grade="C", reason="业务量下降"
    )
    with pytest.raises(services.GradingError):
        services.proposal_approve(proposal_id=proposal.pk, approver=manager, to_grade="D")


def test_the_admin_change_page_offers_b_or_c_and_applies_the_choice(
    now, a_customer, salesperson, manager, client
):
    incident = services.incident_record(
        actor=salesperson,
        customer_id=a_customer.pk,
        incident_type="contract",
        occurred_on=date(2026, 3, 20),
        description="未按合同提货",
    )
    proposal = GradeProposal.objects.get(incident=incident)
    client.force_login(manager)
    page = client.get(f"/admin/grading/gradeproposal/{proposal.pk}/change/").content.decode()
    assert 'name="to_grade"' in page and '<option value="C">' in page
    client.post(
        f"/admin/grading/gradeproposal/{proposal.pk}/decide/", {"decision": "approve", "to_grade": "C"}
    )
    a_customer.refresh_from_db()
    assert a_customer.grade == "C"


def test_the_review_page_says_interim_outside_the_window(manager, client):
    with time_machine.travel(datetime(2026, 1, 15, 10, tzinfo=SH), tick=False):
        client.force_login(manager)
        assert "开启临时评审" in client.get("/grading/review/").content.decode()
        client.post("/grading/review/start/")
        page = client.get("/grading/review/").content.decode()
    assert "2026-01-15 临时评审" in page and "评估尚未纳入本轮的客户" in page
    with time_machine.travel(datetime(2026, 3, 26, 10, tzinfo=SH), tick=False):
        client.force_login(manager)
        assert "开启年度评审" in client.get("/grading/review/").content.decode()
