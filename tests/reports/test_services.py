"""Periodic reports (§12): creation when the period ends, due dates, frozen figures, one decision."""

import datetime as dt
from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext

from complaints import services as complaint_services
from crm.models import Notification
from crm.services import company_language
from reports import services
from reports.models import Report, ReportKind, ReportStatus
from reports.periods import due_date, last_completed_period
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))


def at(y, m, d, h=9):
    return dt.datetime(y, m, d, h, tzinfo=TZ)


@pytest.mark.parametrize(
    ("period", "today", "expected"),
    [
        ("month", date(2026, 12, 1), (date(2026, 11, 1), date(2026, 11, 30))),
        ("month", date(2026, 1, 1), (date(2025, 12, 1), date(2025, 12, 31))),
        ("quarter", date(2026, 10, 1), (date(2026, 7, 1), date(2026, 9, 30))),
        ("quarter", date(2026, 9, 30), (date(2026, 4, 1), date(2026, 6, 30))),
        ("half_year", date(2026, 7, 1), (date(2026, 1, 1), date(2026, 6, 30))),
        ("half_year", date(2027, 1, 1), (date(2026, 7, 1), date(2026, 12, 31))),
    ],
)
def test_last_completed_period(period, today, expected):
    assert last_completed_period(period, today) == expected


def test_half_yearly_due_dates_are_10_july_and_10_january():
    kind = ReportKind.objects.get(code="satisfaction_half_yearly")
    assert due_date(date(2026, 6, 30), kind.due_day) == date(2026, 7, 10)
    assert due_date(date(2026, 12, 31), kind.due_day) == date(2027, 1, 10)


def test_the_job_creates_each_report_once(salesperson, south_salesperson, manager):
    CustomerFactory(owner=salesperson, tier="strategic", name="战略客户有限公司")
    CustomerFactory(owner=salesperson, tier="ordinary")
    now = at(2026, 7, 1)
    first = services.reports_create_due(now=now)
    # 2 departments × 4 department kinds + 1 strategic customer's key-account report
    assert first == 9
    assert services.reports_create_due(now=now) == 0
    half = Report.objects.get(kind__code="satisfaction_half_yearly", department=manager.department)
    assert (half.period_start, half.period_end, half.due_on) == (
        date(2026, 1, 1),
        date(2026, 6, 30),
        date(2026, 7, 10),
    )
    key = Report.objects.get(kind__code="key_account_monthly")
    assert key.customer.name == "战略客户有限公司"
    assert key.due_on == date(2026, 7, 5)


def test_reminders_due_and_overdue_once_per_report(salesperson, manager, gm_office):
    services.reports_create_due(now=at(2026, 7, 1))
    report = Report.objects.get(kind__code="complaint_quarterly", department=manager.department)
    services.reports_remind(now=at(2026, 7, 8))  # due 10 July: within 3 days
    services.reports_remind(now=at(2026, 7, 9))
    assert (
        Notification.objects.filter(
            kind="reports_due", dedup_key=f"reports_due:{report.pk}", recipient=manager
        ).count()
        == 1
    )
    services.reports_remind(now=at(2026, 7, 10))  # due today: not overdue yet
    assert not Notification.objects.filter(
        kind="reports_overdue", dedup_key=f"reports_overdue:{report.pk}"
    ).exists()
    services.reports_remind(now=at(2026, 7, 11))
    services.reports_remind(now=at(2026, 7, 12))
    overdue = Notification.objects.filter(kind="reports_overdue", dedup_key=f"reports_overdue:{report.pk}")
    assert set(overdue.values_list("recipient", flat=True)) == {manager.pk, gm_office.pk}


def _complaint(owner, when):
    with time_machine.travel(when, tick=False):
        return complaint_services.ticket_create(
            actor=owner,
            customer_id=CustomerFactory(owner=owner).pk,
            channel="phone",
            complaint_type="quality",
            description="破损",
        )


def test_submitted_figures_are_frozen(salesperson, manager, gm_office):
    _complaint(salesperson, at(2026, 8, 3))
    services.reports_create_due(now=at(2026, 10, 1))
    report = Report.objects.get(kind__code="complaint_quarterly", department=manager.department)

    with company_language():
        label = gettext("Complaints received")

    def received(r):
        return dict(next(s for s in r.figures["sections"] if s["rows"])["rows"])[label]

    assert received(report) == 1
    services.report_save(
        actor=manager,
        report_id=report.pk,
        commentary="本季度质量投诉一起。",
        problems="",
        measures="",
        submit=True,
        now=at(2026, 10, 5),
    )
    _complaint(salesperson, at(2026, 9, 20))  # a late-entered complaint of the same quarter
    report = services.report_refresh(report_id=report.pk, now=at(2026, 10, 6))
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert received(report) == 1
    assert report.figures_at == at(2026, 10, 5)


def test_one_decision_and_return_needs_a_comment(salesperson, manager, gm_office):
    services.reports_create_due(now=at(2026, 10, 1))
    report = Report.objects.get(kind__code="complaint_quarterly", department=manager.department)
    with pytest.raises(services.ReportError):
        services.report_save(
            actor=manager,
            report_id=report.pk,
            commentary=" ",
            problems="",
            measures="",
            submit=True,
            now=at(2026, 10, 2),
        )
    services.report_save(
        actor=manager,
        report_id=report.pk,
        commentary="说明",
        problems="",
        measures="",
        submit=True,
        now=at(2026, 10, 2),
    )
    with pytest.raises(PermissionDenied):
        services.report_approve(actor=manager, report_id=report.pk, now=at(2026, 10, 3))
    with pytest.raises(services.ReportError):
        services.report_return(actor=gm_office, report_id=report.pk, comment="", now=at(2026, 10, 3))
    services.report_return(
        actor=gm_office, report_id=report.pk, comment="请补充原因分析", now=at(2026, 10, 3)
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED and report.review_comment == "请补充原因分析"
    services.report_save(
        actor=manager,
        report_id=report.pk,
        commentary="已补充",
        problems="包装",
        measures="改包装",
        submit=True,
        now=at(2026, 10, 4),
    )
    services.report_approve(actor=gm_office, report_id=report.pk, now=at(2026, 10, 5))
    with pytest.raises(services.ReportError, match="已处理"):
        services.report_approve(actor=gm_office, report_id=report.pk, now=at(2026, 10, 6))
    with pytest.raises(services.ReportError):
        services.report_save(
            actor=manager,
            report_id=report.pk,
            commentary="改",
            problems="",
            measures="",
            submit=False,
            now=at(2026, 10, 6),
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED and report.reviewed_by == gm_office


def test_another_departments_manager_may_not_submit(manager, south_manager):
    services.reports_create_due(now=at(2026, 10, 1))
    report = Report.objects.get(kind__code="complaint_quarterly", department=manager.department)
    with pytest.raises(PermissionDenied):
        services.report_save(
            actor=south_manager,
            report_id=report.pk,
            commentary="x",
            problems="",
            measures="",
            submit=True,
            now=timezone.now(),
        )


def test_the_job_runs_through_the_runner(manager):
    from crm.jobs import run_job

    summary = run_job("periodic-reports", now=at(2026, 7, 1))
    assert summary["created"] >= 4
    assert run_job("periodic-reports", now=at(2026, 7, 1))["created"] == 0


def test_return_visit_evaluation_counts_both_kinds_of_satisfaction(salesperson, manager):
    """§10: a 回访 report's answers and a complaint's 回访 (its ticket's score) both count."""
    from complaints.models import Ticket
    from reports.figures import return_visit_quarterly
    from surveys.models import SurveyQuestion
    from visits.services import visit_report_create

    customer = CustomerFactory(owner=salesperson)
    questions = SurveyQuestion.objects.filter(is_active=True)
    with time_machine.travel(at(2026, 8, 10), tick=False):
        visit_report_create(
            author=salesperson,
            customer_id=customer.pk,
            purpose="return_visit",
            data={"visited_on": date(2026, 8, 10), "mode": "onsite"},
            satisfaction={"scores": {q.pk: 3 for q in questions}, "comment": ""},
        )
    ticket = _complaint(salesperson, at(2026, 7, 20))
    # The figure reads the ticket's return visit time and score (the workflow is complaints' tests').
    Ticket.objects.filter(pk=ticket.pk).update(satisfaction=5, return_visited_at=at(2026, 8, 20))
    with company_language():
        rows = dict(
            return_visit_quarterly(
                department=manager.department, customer=None, start=date(2026, 7, 1), end=date(2026, 9, 30)
            )["sections"][0]["rows"]
        )
        assert rows[gettext("Return visits (回访)")] == 1
        assert rows[gettext("Satisfaction on return visits")] == "3.00"
        assert rows[gettext("Complaint return visits")] == 1
        assert rows[gettext("Satisfaction on complaint return visits (1–5)")] == "5.00"


def test_half_yearly_satisfaction_figures(salesperson, manager):
    """满意率调查汇报: the rate counts the round's answers; a 回访 outside the round adds scores."""
    from reports.figures import satisfaction_half_yearly
    from surveys import services as survey_services
    from surveys.models import SurveyQuestion
    from visits.services import visit_report_create

    questions = list(SurveyQuestion.objects.filter(is_active=True))

    def scores(v):
        return {q.pk: v for q in questions}

    a1 = CustomerFactory(owner=salesperson, grade="A", name="甲")
    CustomerFactory(owner=salesperson, grade="A", name="乙")
    c = CustomerFactory(owner=salesperson, grade="C", name="丙")
    with time_machine.travel(at(2025, 11, 3), tick=False):  # the previous half-year
        survey_services.survey_response_record(
            actor=salesperson, customer_id=c.pk, scores=scores(2), now=at(2025, 11, 3)
        )
    round_ = survey_services.survey_round_open(
        actor=manager,
        department_id=manager.department_id,
        title="上半年",
        grades=["A"],
        tiers=[],
        closes_on=date(2026, 6, 30),
        now=at(2026, 6, 1),
    )
    survey_services.survey_link_answer(
        token=round_.invitations.get(customer=a1).token, scores=scores(5), comment="很好", now=at(2026, 6, 2)
    )
    with time_machine.travel(at(2026, 6, 3), tick=False):
        visit_report_create(
            author=salesperson,
            customer_id=c.pk,
            purpose="return_visit",
            data={"visited_on": date(2026, 6, 3), "mode": "phone"},
            satisfaction={"scores": scores(3), "comment": "价格高"},
        )
    with company_language():
        sections = satisfaction_half_yearly(
            department=manager.department, customer=None, start=date(2026, 1, 1), end=date(2026, 6, 30)
        )["sections"]
        rows = dict(sections[0]["rows"])
        assert rows[gettext("Customers invited")] == 2
        assert rows[gettext("Answers")] == 2
        assert rows[gettext("Answers to the survey rounds")] == 1
        assert rows[gettext("Response rate")] == "50.0%"
        assert rows[gettext("Answers in the previous half-year")] == 1
        table = {r[0]: r[1:] for r in sections[1]["table"]}
        assert table[gettext("This half-year")] == ["4.00"] * len(questions)
        assert table[gettext("Previous half-year")] == ["2.00"] * len(questions)
        assert table[gettext("Grade") + " A"] == ["5.00"] * len(questions)
        assert table[gettext("Grade") + " C"] == ["3.00"] * len(questions)
    assert sorted(c for _n, c in sections[2]["table"][1:]) == ["价格高", "很好"]
