"""The annual review at company scale (bench finding 7): the figures of the period through one
join, the round's evaluations written in bulk (COPY on PostgreSQL), a rerun that evaluates
nobody writes nothing, not even an audit row."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import AuditLog
from grading.models import Evaluation, GradeProposal, GradingPolicy, ReviewRound
from grading.services import annual_review_open
from tests.factories import CustomerFactory


def test_evaluations_keep_the_period_figures_and_the_policy(now, salesperson, figures):
    up = CustomerFactory(owner=salesperson, grade="C")
    figures(up, year=2025, volume=2_500_000, receivables=123_456.78, pay=0, pick=2)
    figures(up, year=2024, volume=9_999_999)  # another year: not read
    none = CustomerFactory(owner=salesperson, grade="D")  # no figures for 2025: zeros
    figures(none, year=2024, volume=5_000_000)

    summary = annual_review_open()
    assert summary["evaluated"] == 2
    e = Evaluation.objects.get(customer=up)
    assert (
        e.period_year,
        e.business_volume,
        e.receivables,
        e.overdue_payment_count,
        e.overdue_pickup_count,
    ) == (2025, Decimal("2500000.00"), Decimal("123456.78"), 0, 2)
    assert e.policy == GradingPolicy.load().snapshot() and e.created_at == now
    assert (e.kind, e.round, e.grade_before, e.notes) == ("annual", ReviewRound.objects.get(), "C", "")
    z = Evaluation.objects.get(customer=none)
    assert (z.business_volume, z.period_year, z.suggested_grade) == (Decimal("0.00"), 2025, "D")
    proposal = GradeProposal.objects.get(customer=up)
    assert proposal.evaluation_id == e.pk and proposal.to_grade == e.suggested_grade


def test_rerun_writes_nothing_not_even_an_audit_row(now, salesperson, figures):
    for volume in (600_000, 3_000_000, 0):
        figures(CustomerFactory(owner=salesperson, grade="C"), volume=volume)
    annual_review_open()
    audit = AuditLog.objects.count()
    with CaptureQueriesContext(connection) as ctx:
        again = annual_review_open()
    assert again["evaluated"] == 0 and again["proposals"] == 0
    assert AuditLog.objects.count() == audit
    assert not [q for q in ctx.captured_queries if q["sql"].startswith("INSERT")]
    # A customer activated since is evaluated by the next run, which is audited.
    figures(CustomerFactory(owner=salesperson, grade="D"), volume=1_000_000)
    assert annual_review_open()["evaluated"] == 1
    assert AuditLog.objects.filter(action="grading.round.extended").count() == 1
