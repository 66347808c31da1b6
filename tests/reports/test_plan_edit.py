"""§11: the department head sets the year's plan on its own screen (services.plan_save's rules)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from crm.models import AuditLog
from reports import services
from reports.models import DevelopmentPlan, PlanTarget
from reports.plans import actual_customers, plan_vs_actual
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 29, 10, tzinfo=TZ)
EDIT = reverse("reports:plan_edit")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def target(dimension, key, count=None, share=None):
    return {"dimension": dimension, "key": key, "target_count": count, "target_share": share}


def save(actor, targets, *, year=2026, notes=""):
    return services.plan_save(
        actor=actor, department_id=actor.department_id, year=year, notes=notes, targets=targets, now=NOW
    )


def test_the_manager_sets_and_revises_the_plan(manager, salesperson):
    plan = save(
        manager,
        [
            target("grade", "A", count=10),
            target("tier", "key", share=Decimal("30")),
            target("industry", "机械制造", count=5),
            target("region", "浙江省", share=Decimal("40.5")),
            target("new_customers", str(salesperson.pk), count=6),
        ],
        notes="重点发展浙江",
    )
    assert plan.notes == "重点发展浙江" and plan.set_by == manager and plan.targets.count() == 5
    grade_a = plan.targets.get(dimension="grade")
    plan = save(manager, [target("grade", "A", count=12), target("region", "江苏省", count=3)])
    assert sorted(plan.targets.values_list("dimension", "key", "target_count")) == [
        ("grade", "A", 12),
        ("region", "江苏省", 3),
    ]
    assert plan.targets.get(dimension="grade").pk == grade_a.pk  # drill-down links stay valid
    entry = AuditLog.objects.filter(action="reports.plan.saved").order_by("-pk").first()
    assert entry.actor == manager and ["grade", "A", 10, None] in entry.before["targets"]


def test_a_past_years_plan_is_read_only(manager):
    save(manager, [target("grade", "A", count=10)], year=2026)
    with time_machine.travel(dt.datetime(2027, 1, 1, 0, 5, tzinfo=TZ), tick=False):
        with pytest.raises(services.ReportError, match="只读"):
            services.plan_save(
                actor=manager,
                department_id=manager.department_id,
                year=2026,
                notes="",
                targets=[],
                now=dt.datetime(2027, 1, 1, 0, 5, tzinfo=TZ),
            )
        # The new year's plan is open on its first day.
        services.plan_save(
            actor=manager,
            department_id=manager.department_id,
            year=2027,
            notes="",
            targets=[target("grade", "B", count=1)],
            now=dt.datetime(2027, 1, 1, 0, 5, tzinfo=TZ),
        )
    assert PlanTarget.objects.get(plan__year=2026).target_count == 10


def test_only_the_departments_manager_sets_its_plan(salesperson, gm_office, south_manager, manager):
    for user in (salesperson, gm_office):
        with pytest.raises(PermissionDenied):
            save(user, [])
    with pytest.raises(PermissionDenied):
        services.plan_save(
            actor=south_manager, department_id=manager.department_id, year=2026, notes="", targets=[], now=NOW
        )
    assert not DevelopmentPlan.objects.exists()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (target("grade", "A", count=3, share=Decimal("10")), "二者选一"),
        (target("grade", "A"), "二者选一"),
        (target("tier", "key", share=Decimal("100.01")), "0 到 100"),
        (target("grade", "E", count=1), "取值无效"),
        (target("region", "火星", count=1), "取值无效"),
        (target("industry", "", count=1), "取值无效"),
        (target("new_customers", "SALES", share=Decimal("5")), "只能按数量"),
        (target("new_customers", "SOUTH", count=2), "取值无效"),
    ],
)
def test_a_bad_target_refuses_the_whole_plan(manager, salesperson, south_salesperson, bad, message):
    bad = {
        **bad,
        "key": {"SALES": str(salesperson.pk), "SOUTH": str(south_salesperson.pk)}.get(bad["key"], bad["key"]),
    }
    with pytest.raises(services.ReportError, match=message):
        save(manager, [target("grade", "B", count=1), bad])
    assert not DevelopmentPlan.objects.exists() and not PlanTarget.objects.exists()


def test_a_key_twice_is_refused(manager):
    with pytest.raises(services.ReportError, match="两次"):
        save(manager, [target("industry", "机械制造", count=1), target("industry", "机械制造", count=2)])


# --- the screen -------------------------------------------------------------------------------


def rows_of(html):
    return html.count('data-testid="plan-row"')


def formset_post(client, year=2026, **values):
    """Post the screen's table as it was rendered, with `values` ({field name: value}) typed in."""
    page = client.get(f"{EDIT}?year={year}")
    form = page.context["formset"]
    data = {
        "t-TOTAL_FORMS": str(form.total_form_count()),
        "t-INITIAL_FORMS": str(form.initial_form_count()),
        "notes": "",
    }
    for f in form:
        key = f.initial.get("key") or ""
        if f.free_key:
            data[f"{f.prefix}-key"] = key
    data.update(values)
    return client.post(f"{EDIT}?year={year}", data)


def row_index(client, dimension, key, year=2026):
    form = client.get(f"{EDIT}?year={year}").context["formset"]
    return next(
        i for i, f in enumerate(form) if (f.initial["dimension"], f.initial["key"]) == (dimension, key)
    )


def test_the_screen_saves_the_table_and_the_plan_page_links_to_it(
    client_for, manager, salesperson, django_assert_max_num_queries
):
    CustomerFactory(owner=salesperson, grade="A", province="浙江省", cooperation_start=dt.date(2026, 3, 1))
    client = client_for(manager)
    with django_assert_max_num_queries(12):
        page = client.get(f"{EDIT}?year=2026")
    html = page.content.decode()
    # 4 grades, 4 tiers, 3 blank industry and 3 blank region rows, 1 salesperson
    assert page.status_code == 200 and rows_of(html) == 15 and salesperson.display_name in html
    a = row_index(client, "grade", "A")
    sp = row_index(client, "new_customers", str(salesperson.pk))
    region = next(
        i for i, f in enumerate(client.get(EDIT).context["formset"]) if f.initial["dimension"] == "region"
    )
    response = formset_post(
        client,
        **{
            f"t-{a}-target_count": "8",
            f"t-{sp}-target_count": "5",
            f"t-{region}-key": "浙江省",
            f"t-{region}-target_share": "25",
            "notes": "今年目标",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"{reverse('reports:plan')}?year=2026"
    plan = DevelopmentPlan.objects.get(department=manager.department, year=2026)
    assert sorted(plan.targets.values_list("dimension", "key")) == [
        ("grade", "A"),
        ("new_customers", str(salesperson.pk)),
        ("region", "浙江省"),
    ]
    plan_page = client.get(response["Location"]).content.decode()
    assert f'href="{EDIT}?year=2026"' in plan_page
    for row in plan_vs_actual(plan)["rows"]:
        t = row["target"]
        assert row["actual"] == actual_customers(plan, t.dimension, t.key).count() == 1
    again = client.get(f"{EDIT}?year=2026").content.decode()
    assert 'value="8"' in again and 'value="25.00"' in again and rows_of(again) == 16


def test_the_screen_shows_a_row_error_and_saves_nothing(client_for, manager):
    client = client_for(manager)
    a = row_index(client, "grade", "A")
    response = formset_post(client, **{f"t-{a}-target_count": "3", f"t-{a}-target_share": "10"})
    assert response.status_code == 200 and not DevelopmentPlan.objects.exists()
    assert "数量和占比只能填一项。" in response.content.decode()


def test_a_past_year_shows_read_only_and_saves_nothing(client_for, manager):
    DevelopmentPlan.objects.create(department=manager.department, year=2025, set_by=manager)
    client = client_for(manager)
    page = client.get(f"{EDIT}?year=2025").content.decode()
    assert 'data-testid="plan-read-only"' in page and 'data-testid="plan-save"' not in page
    assert "disabled" in page
    response = client.post(
        f"{EDIT}?year=2025",
        {"t-TOTAL_FORMS": "1", "t-INITIAL_FORMS": "1", "t-0-target_count": "9", "notes": "改"},
    )
    assert response.status_code == 200 and not PlanTarget.objects.exists()
    assert (
        'href="/reports/plan/edit/' not in client.get(reverse("reports:plan") + "?year=2025").content.decode()
    )
