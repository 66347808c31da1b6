"""The jobs of §7: annual review round, six-month evaluation with provisional grades, demotion deadlines."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.jobs import run_job
from crm.models import Notification
from customers.models import Customer, CustomerStatus
from grading.models import DemotionCase, Evaluation, GradeChange, GradeProposal, ProposalState, ReviewRound
from grading.services import (
    GradingError,
    annual_review_open,
    demotion_deadlines_escalate,
    incident_record,
    new_customer_evaluations_open,
    proposal_approve,
    review_round_open,
)
from tests.factories import CustomerFactory

from .conftest import SH


def test_round_opens_only_inside_the_policy_window(salesperson, customer):
    with time_machine.travel(datetime(2026, 3, 24, 9, tzinfo=SH), tick=False):
        assert annual_review_open()["opened"] is False
    assert not ReviewRound.objects.exists()
    with time_machine.travel(datetime(2026, 3, 25, 1, tzinfo=SH), tick=False):
        assert annual_review_open()["opened"] is True
    round_ = ReviewRound.objects.get()
    assert (round_.year, round_.period_year, round_.closes_on) == (2026, 2025, date(2026, 3, 30))
    with time_machine.travel(datetime(2026, 3, 31, 1, tzinfo=SH), tick=False):
        assert annual_review_open() == {"opened": False, "closed_rounds": 1}


def test_round_missed_during_downtime_opens_late_once(salesperson, figures):
    """§7: a job run late after downtime gives the same result: the round of the year opens
    (with a window of the policy's length from today), and only once."""
    c = CustomerFactory(owner=salesperson, grade="D")
    figures(c, year=2025, volume=1_200_000)
    last_success = datetime(2026, 3, 20, 1, tzinfo=SH)  # the server was down from 21 March to 2 April
    with time_machine.travel(datetime(2026, 4, 2, 1, tzinfo=SH), tick=False):
        # A first run ever (no watermark) after the window does not start a round out of season.
        assert annual_review_open(since=None)["opened"] is False
        summary = annual_review_open(since=last_success)
        assert summary["opened"] is True and summary["proposals"] == 1
        assert annual_review_open(since=datetime(2026, 4, 2, 1, tzinfo=SH))["opened"] is False
    round_ = ReviewRound.objects.get()
    assert (round_.year, round_.period_year, round_.closes_on) == (2026, 2025, date(2026, 4, 7))


def test_round_proposes_where_the_suggestion_differs_and_a_rerun_creates_nothing(
    now, salesperson, manager, south_salesperson, figures
):
    stays_c = CustomerFactory(owner=salesperson, grade="C")
    figures(stays_c, volume=600_000)
    up_to_a = CustomerFactory(owner=salesperson, grade="B")
    figures(up_to_a, volume=3_000_000)
    late_payer = CustomerFactory(owner=salesperson, grade="A")
    figures(late_payer, volume=9_000_000, pay=1)
    blacklisted = CustomerFactory(
        owner=salesperson, grade="C", is_blacklisted=True, blacklisted_until=date(2026, 9, 1)
    )
    figures(blacklisted, volume=0)
    prospect = CustomerFactory(owner=salesperson, grade="", status=CustomerStatus.PROSPECT)
    south = CustomerFactory(owner=south_salesperson, grade="D")
    figures(south, volume=1_000_000)

    summary = annual_review_open()
    assert summary["evaluated"] == 4 and summary["proposals"] == 3
    proposals = {p.customer_id: p for p in GradeProposal.objects.all()}
    assert set(proposals) == {up_to_a.pk, late_payer.pk, south.pk}
    assert (proposals[up_to_a.pk].from_grade, proposals[up_to_a.pk].to_grade) == ("B", "A")
    assert proposals[late_payer.pk].to_grade == "B"  # overdue payment rules out A
    assert proposals[south.pk].to_grade == "B"
    assert all(p.proposed_by is None and p.state == ProposalState.PENDING_MANAGER for p in proposals.values())
    assert not Evaluation.objects.filter(customer__in=[blacklisted, prospect]).exists()
    assert Notification.objects.filter(recipient=manager, kind="grading_approval").count() == 1

    again = annual_review_open()
    assert again["evaluated"] == 0 and again["proposals"] == 0
    assert GradeProposal.objects.count() == 3 and Evaluation.objects.count() == 4
    assert Notification.objects.filter(recipient=manager).count() == 1


def test_round_keeps_customers_with_an_open_proposal_out_of_new_proposals(now, salesperson, figures):
    c = CustomerFactory(owner=salesperson, grade="C")
    figures(c, volume=2_000_000)
    GradeProposal.objects.create(
        customer=c, from_grade="C", to_grade="D", reason="x", created_at=now, proposed_by=salesperson
    )
    annual_review_open()
    assert GradeProposal.objects.filter(customer=c).count() == 1
    assert Evaluation.objects.get(customer=c).suggested_grade == "B"


def test_manager_starts_the_round_for_own_department_only(
    now, manager, salesperson, south_salesperson, figures
):
    east = CustomerFactory(owner=salesperson, grade="D")
    figures(east, volume=700_000)
    south = CustomerFactory(owner=south_salesperson, grade="D")
    figures(south, volume=700_000)
    summary = review_round_open(actor=manager)
    assert summary["proposals"] == 1
    assert GradeProposal.objects.get().customer == east
    assert ReviewRound.objects.get().opened_by == manager


def test_salesperson_cannot_start_the_round(now, salesperson):
    with pytest.raises(GradingError):
        review_round_open(actor=salesperson)


def test_round_is_a_constant_number_of_queries(now, salesperson, figures):
    def run_round(n, year):
        for i in range(n):
            c = CustomerFactory(owner=salesperson, grade="D")
            figures(c, year=year - 1, volume=600_000 + i)
        with (
            time_machine.travel(datetime(year, 3, 25, 2, tzinfo=SH), tick=False),
            CaptureQueriesContext(connection) as ctx,
        ):
            summary = annual_review_open()
        return len(ctx.captured_queries), summary

    small, s1 = run_round(3, 2026)
    large, s2 = run_round(40, 2027)
    # 2027 evaluates all 43 on their 2026 figures; the first 3 have none (D, unchanged).
    assert s1["proposals"] == 3 and s2["proposals"] == 40 and s2["evaluated"] == 43
    assert large <= small, (small, large)  # the first run also creates the policy row
    assert large <= 20


def test_job_runs_through_the_runner(now, salesperson, figures):
    c = CustomerFactory(owner=salesperson, grade="D")
    figures(c, volume=1_500_000)
    summary = run_job("annual-review")
    assert summary["proposals"] == 1


# --- Provisional grade and the six-month evaluation ---------------------------------------------


def test_new_customer_job_gives_provisional_grades_then_evaluates_after_six_months(
    salesperson, manager, figures
):
    with time_machine.travel(datetime(2026, 1, 10, 7, tzinfo=SH), tick=False):
        new = CustomerFactory(owner=salesperson, grade="", cooperation_start=date(2026, 1, 9))
        figures(new, year=2025, volume=4_000_000)
        summary = new_customer_evaluations_open()
        assert summary["provisional"] == 1 and summary["evaluated"] == 0
    new.refresh_from_db()
    assert (new.grade, new.grade_provisional) == ("B", True)
    change = GradeChange.objects.get(customer=new)
    assert change.proposed_by is None and change.provisional

    with time_machine.travel(datetime(2026, 7, 8, 7, tzinfo=SH), tick=False):
        assert new_customer_evaluations_open()["evaluated"] == 0  # not yet six months
    with time_machine.travel(datetime(2026, 7, 9, 7, tzinfo=SH), tick=False):
        summary = new_customer_evaluations_open()
        assert summary == {"provisional": 0, "evaluated": 1, "proposals": 1, "notified": 1}
        assert new_customer_evaluations_open()["evaluated"] == 0
    proposal = GradeProposal.objects.get(customer=new, state=ProposalState.PENDING_MANAGER)
    assert (proposal.from_grade, proposal.from_provisional, proposal.to_grade) == ("B", True, "A")
    assert proposal.evaluation.kind == "new_customer"


def test_provisional_grade_is_confirmed_by_an_approved_proposal(salesperson, manager, figures):
    with time_machine.travel(datetime(2026, 7, 9, 7, tzinfo=SH), tick=False):
        c = CustomerFactory(
            owner=salesperson, grade="C", grade_provisional=True, cooperation_start=date(2026, 1, 1)
        )
        figures(c, year=2026, volume=600_000)
        new_customer_evaluations_open()
        proposal = GradeProposal.objects.get(customer=c)
        assert (proposal.from_grade, proposal.to_grade) == ("C", "C")
        proposal_approve(proposal_id=proposal.pk, approver=manager)
    c.refresh_from_db()
    assert (c.grade, c.grade_provisional) == ("C", False)


def test_blacklisted_ungraded_customer_gets_no_provisional_grade(now, salesperson):
    c = CustomerFactory(owner=salesperson, grade="", is_blacklisted=True, blacklisted_until=date(2026, 9, 1))
    assert new_customer_evaluations_open()["provisional"] == 0
    assert Customer.objects.get(pk=c.pk).grade == ""


# --- Demotion deadlines ----------------------------------------------------------------------------


def test_five_day_escalation_fires_exactly_once(salesperson, manager, south_manager, gm_office, a_customer):
    opened = datetime(2026, 4, 1, 10, tzinfo=SH)
    with time_machine.travel(opened, tick=False):
        incident_record(
            actor=salesperson,
            customer_id=a_customer.pk,
            incident_type="crisis",
            occurred_on=opened.date(),
            description="经营危机",
        )
    case = DemotionCase.objects.get()
    with time_machine.travel(opened + timedelta(days=5) - timedelta(minutes=1), tick=False):
        assert demotion_deadlines_escalate()["escalated"] == 0
    with time_machine.travel(opened + timedelta(days=5, hours=1), tick=False):
        assert demotion_deadlines_escalate() == {"escalated": 1, "notifications": 2}
        assert demotion_deadlines_escalate() == {"escalated": 0, "notifications": 0}
    with time_machine.travel(opened + timedelta(days=9), tick=False):
        assert demotion_deadlines_escalate()["escalated"] == 0
    overdue = Notification.objects.filter(kind="grading_demotion_overdue")
    assert sorted(overdue.values_list("recipient__username", flat=True)) == ["gm1", "manager1"]
    case.refresh_from_db()
    assert case.escalated_at == opened + timedelta(days=5, hours=1)


def test_resolved_case_is_not_escalated(salesperson, manager, gm_office, a_customer):
    opened = datetime(2026, 4, 1, 10, tzinfo=SH)
    with time_machine.travel(opened, tick=False):
        incident_record(
            actor=salesperson,
            customer_id=a_customer.pk,
            incident_type="crisis",
            occurred_on=opened.date(),
            description="经营危机",
        )
        proposal_approve(proposal_id=GradeProposal.objects.get().pk, approver=manager)
    with time_machine.travel(opened + timedelta(days=6), tick=False):
        assert demotion_deadlines_escalate()["escalated"] == 0
