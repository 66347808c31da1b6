"""Plan against actual (§11) and the report screens: counts equal the drill-down lists; query
counts pinned."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import services
from reports.models import DevelopmentPlan, PlanTarget, Report, ReportStatus
from reports.plans import actual_customers, plan_vs_actual
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(salesperson, other_salesperson, south_salesperson, manager):
    year = timezone.localdate().year
    for i in range(3):
        CustomerFactory(
            owner=salesperson,
            grade="A",
            tier="key",
            industry="机械制造",
            province="浙江省",
            cooperation_start=dt.date(year, 3, i + 1),
        )
    CustomerFactory(owner=salesperson, grade="B", tier="ordinary", cooperation_start=dt.date(year - 1, 5, 1))
    CustomerFactory(
        owner=other_salesperson, grade="A", tier="strategic", cooperation_start=dt.date(year, 2, 1)
    )
    CustomerFactory(owner=salesperson, grade="A", status="prospect")  # not active: not counted
    CustomerFactory(owner=south_salesperson, grade="A")  # another department
    p = DevelopmentPlan.objects.create(department=manager.department, year=year, set_by=manager)
    PlanTarget.objects.bulk_create(
        [
            PlanTarget(plan=p, dimension="grade", key="A", target_count=5),
            PlanTarget(plan=p, dimension="tier", key="key", target_share=50),
            PlanTarget(plan=p, dimension="industry", key="机械制造", target_count=2),
            PlanTarget(plan=p, dimension="region", key="浙江省", target_count=10),
            PlanTarget(plan=p, dimension="new_customers", key=str(salesperson.pk), target_count=6),
            PlanTarget(plan=p, dimension="new_customers", key=str(other_salesperson.pk), target_count=2),
        ]
    )
    return p


def test_plan_against_actual(plan, salesperson):
    rows = {(r["target"].dimension, r["target"].key): r for r in plan_vs_actual(plan)["rows"]}
    assert plan_vs_actual(plan)["total"] == 5
    assert rows[("grade", "A")]["actual"] == 4 and rows[("grade", "A")]["done"] == 80.0
    assert rows[("tier", "key")]["share"] == 60.0 and rows[("tier", "key")]["done"] == 120.0
    assert rows[("industry", "机械制造")]["actual"] == 5  # the factory's default industry too
    assert rows[("new_customers", str(salesperson.pk))]["actual"] == 3


def test_every_actual_equals_its_drill_down_list(plan, manager, client):
    client.force_login(manager)
    page = client.get(reverse("reports:plan")).content.decode()
    for row in plan_vs_actual(plan)["rows"]:
        target = row["target"]
        assert row["actual"] == actual_customers(plan, target.dimension, target.key).count()
        listing = client.get(reverse("reports:plan_customers", args=[target.pk]))
        assert listing.status_code == 200
        assert listing.content.decode().count('data-testid="plan-customer"') == row["actual"]
        assert (
            f'/reports/plan/targets/{target.pk}/customers/" data-testid="plan-actual">{row["actual"]}</a>'
            in page
        )


def test_gm_office_sees_every_department_and_the_south_manager_none(plan, gm_office, south_manager, client):
    client.force_login(gm_office)
    assert "华东销售部" in client.get(reverse("reports:plan")).content.decode()
    client.force_login(south_manager)
    assert client.get(reverse("reports:plan_customers", args=[plan.targets.first().pk])).status_code == 404


def test_plan_pages_query_counts(plan, manager, client, django_assert_max_num_queries):
    client.force_login(manager)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("reports:plan")).status_code == 200
    with django_assert_max_num_queries(10):
        assert (
            client.get(reverse("reports:plan_customers", args=[plan.targets.first().pk])).status_code == 200
        )


def test_report_pages_query_counts_and_submit_then_approve(
    salesperson, manager, gm_office, client, django_assert_max_num_queries
):
    CustomerFactory(owner=salesperson, tier="strategic")
    services.reports_create_due(now=timezone.now())
    client.force_login(manager)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("reports:list")).status_code == 200
    report = Report.objects.get(kind__code="complaint_quarterly", department=manager.department)
    with django_assert_max_num_queries(40):
        assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 200
    response = client.post(
        reverse("reports:detail", args=[report.pk]),
        {"commentary": "本季度无重大投诉", "problems": "", "measures": "", "submit": "1"},
    )
    assert response.status_code == 302
    client.force_login(gm_office)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 200
    client.post(reverse("reports:approve", args=[report.pk]), {"comment": "同意"})
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED and report.review_comment == "同意"
    # the second decision is refused with a message, nothing changes
    client.post(reverse("reports:return", args=[report.pk]), {"comment": "再看看"})
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED


def test_survey_pages_query_counts(salesperson, manager, client, django_assert_max_num_queries):
    from surveys import services as survey_services

    for _ in range(3):
        CustomerFactory(owner=salesperson, grade="A")
    round_ = survey_services.survey_round_open(
        actor=manager,
        department_id=manager.department_id,
        title="下半年",
        grades=["A"],
        tiers=[],
        closes_on=timezone.localdate(),
        now=timezone.now(),
    )
    client.force_login(manager)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("surveys:rounds")).status_code == 200
    with django_assert_max_num_queries(20):
        body = client.get(reverse("surveys:round_detail", args=[round_.pk])).content.decode()
    assert body.count('data-testid="survey-link"') == 3


def test_the_workbench_widget_lists_what_waits_for_each(salesperson, manager, gm_office, client):
    services.reports_create_due(now=timezone.now())
    report = Report.objects.get(kind__code="complaint_quarterly", department=manager.department)
    client.force_login(manager)
    assert f"/reports/{report.pk}/" in client.get("/").content.decode()
    client.force_login(gm_office)
    assert f"/reports/{report.pk}/" not in client.get("/").content.decode()
    services.report_save(
        actor=manager,
        report_id=report.pk,
        commentary="说明",
        problems="",
        measures="",
        submit=True,
        now=timezone.now(),
    )
    assert f"/reports/{report.pk}/" in client.get("/").content.decode()


def test_the_customer_page_shows_the_latest_satisfaction(salesperson, client, django_assert_max_num_queries):
    from surveys import services as survey_services
    from surveys.models import SurveyQuestion

    customer = CustomerFactory(owner=salesperson)
    survey_services.survey_response_record(
        actor=salesperson,
        customer_id=customer.pk,
        comment="很满意",
        scores={q.pk: 5 for q in SurveyQuestion.objects.all()},
        source="call",
        now=timezone.now(),
    )
    client.force_login(salesperson)
    body = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'data-testid="surveys-panel"' in body and "很满意" in body
    assert reverse("surveys:record", args=[customer.pk]) in body
