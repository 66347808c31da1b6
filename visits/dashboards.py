"""Visits on the 工作台 (crm.dashboards): what the salesperson must do today and this week,
and for managers and 总经办 the visits per month and the cadence of the team."""

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.dashboards import (
    OVERVIEW_ROLES,
    Chart,
    ChartData,
    Column,
    DrillList,
    Tile,
    charts,
    drill_lists,
    drill_url,
    tiles,
)
from crm.services import add_months

from . import permissions, selectors
from .models import VisitPolicy

MONTHS = 12
SALESPERSON = frozenset({"salesperson"})
MANAGER = frozenset({"manager"})


def _plans(ctx):
    return ctx.once(
        "visits.plans",
        lambda: list(selectors.my_upcoming_plans(ctx.user, now=ctx.now).values_list("planned_at", flat=True)),
    )


def plans_today(ctx) -> int:
    _start, tomorrow, _week_end = selectors.week_bounds(ctx.now)
    return sum(1 for at in _plans(ctx) if at < tomorrow)


def overdue_url(ctx) -> str:
    return reverse("visits:team") if permissions.team_view_allowed(ctx.user) else reverse("visits:mine")


def _policy(ctx):
    return ctx.once("visits.policy", VisitPolicy.load)


def overdue_count(ctx) -> int:
    return selectors.overdue_customers_for(ctx.user, now=ctx.now, policy=_policy(ctx)).count()


def _team(ctx):
    return ctx.once("visits.team", lambda: selectors.team_summary(ctx.user, now=ctx.now, policy=_policy(ctx)))


def _per_month(ctx):
    return ctx.once(
        "visits.per_month",
        lambda: selectors.visits_per_salesperson_month(ctx.user, now=ctx.now, months=MONTHS),
    )


def _month_key(d) -> str:
    return f"{d:%Y-%m}"


def _monthly(ctx, *, group: str, name: str, param: str) -> ChartData:
    """Visit reports per month, one series per `group` (author or department)."""
    data = _per_month(ctx)
    months = data["months"]
    index = {m: i for i, m in enumerate(months)}
    series: dict[int, dict] = {}
    for r in data["rows"]:
        entry = series.setdefault(r[group], {"name": r[name] or "—", "values": [0] * len(months)})
        i = index.get(r["month"])
        if i is not None:
            entry["values"][i] += r["visits"]
    keys = list(series)
    return ChartData(
        kind="bar",
        stacked=True,
        label_title=_("Month"),
        labels=[_month_key(m) for m in months],
        series=[(series[k]["name"], series[k]["values"]) for k in keys],
        links=[
            [f"{drill_url('visit-reports')}?{param}={k}&month={_month_key(m)}" for k in keys] for m in months
        ],
        note=_("Visit reports of all modes, by the month of the visit."),
    )


def per_salesperson(ctx) -> ChartData:
    return _monthly(ctx, group="author_id", name="author__full_name", param="author")


def per_department(ctx) -> ChartData:
    return _monthly(ctx, group="author__department_id", name="author__department__name", param="department")


def compliance(ctx) -> ChartData:
    rows = [r for r in _team(ctx)["rows"] if r.required]
    return ChartData(
        kind="bar",
        horizontal=True,
        unit="%",
        y_max=100,
        label_title=_("Salesperson"),
        labels=[r.user.display_name for r in rows],
        series=[(_("Cadence compliance"), [round(100 * r.compliance_rate, 1) for r in rows])],
        row_links=[f"{reverse('visits:team')}?owner={r.user.pk}" for r in rows],
        more_url=reverse("visits:team"),
        note=_("Customers visited on site within their grade's interval, among those with a requirement."),
    )


def overdue_by_salesperson(ctx) -> ChartData:
    rows = [r for r in _team(ctx)["rows"] if r.required]
    return ChartData(
        kind="bar",
        horizontal=True,
        label_title=_("Salesperson"),
        labels=[r.user.display_name for r in rows],
        series=[(_("Overdue customers"), [r.overdue for r in rows])],
        links=[[f"{reverse('visits:team')}?owner={r.user.pk}"] for r in rows],
        more_url=reverse("visits:team"),
    )


def visit_reports(ctx):
    """The reports behind a cell of the monthly chart: by author or department, and month."""
    qs = selectors.reports_for(ctx.user).select_related("author")
    params = ctx.params
    if params.get("author", "").isdigit():
        qs = qs.filter(author_id=int(params["author"]))
    if params.get("department", "").isdigit():
        qs = qs.filter(author__department_id=int(params["department"]))
    first = _parse_month(params.get("month", ""))
    if first:
        qs = qs.filter(visited_on__gte=first, visited_on__lt=add_months(first, 1))
    else:
        qs = qs.filter(
            visited_on__gte=selectors.month_starts(ctx.today, MONTHS)[0], visited_on__lte=ctx.today
        )
    return qs.order_by("-visited_on", "-pk")


def _parse_month(value: str) -> date | None:
    try:
        year, number = (int(x) for x in value.split("-"))
        return date(year, number, 1)
    except ValueError:
        return None


tiles.register(
    Tile(
        key="visits.overdue",
        label=_("My overdue customers"),
        order=10,
        tone="danger",
        value=overdue_count,
        url=overdue_url,
        roles=frozenset({"salesperson", "manager"}),
        labels={"manager": _("Overdue customers in the department")},
    )
)
tiles.register(
    Tile(
        key="visits.today",
        label=_("Visits planned today"),
        order=20,
        roles=SALESPERSON,
        value=plans_today,
        url=lambda ctx: reverse("visits:mine"),
    )
)
tiles.register(
    Tile(
        key="visits.week",
        label=_("Visits planned this week"),
        order=21,
        roles=SALESPERSON,
        value=lambda ctx: len(_plans(ctx)),
        url=lambda ctx: reverse("visits:mine"),
    )
)
tiles.register(
    Tile(
        key="visits.steps",
        label=_("Next steps due"),
        order=30,
        roles=SALESPERSON,
        tone="warning",
        value=lambda ctx: selectors.next_steps_due(ctx.user, now=ctx.now).count(),
        url=lambda ctx: reverse("visits:mine"),
    )
)

charts.register(
    Chart(
        key="visits.per_salesperson",
        title=_("Visits per salesperson per month"),
        build=per_salesperson,
        order=40,
        roles=MANAGER,
    )
)
charts.register(
    Chart(
        key="visits.per_department",
        title=_("Visits per department per month"),
        build=per_department,
        order=40,
        roles=OVERVIEW_ROLES,
    )
)
charts.register(
    Chart(
        key="visits.compliance",
        title=_("Cadence compliance by salesperson"),
        build=compliance,
        order=41,
        roles=MANAGER,
    )
)
charts.register(
    Chart(
        key="visits.overdue",
        title=_("Overdue customers by salesperson"),
        build=overdue_by_salesperson,
        order=42,
        roles=MANAGER,
    )
)

drill_lists.register(
    DrillList(
        key="visit-reports",
        title=_("Visit reports"),
        rows=visit_reports,
        roles=frozenset({"manager", "gm_office", "admin"}),
        columns=(
            Column(
                _("Visited on"),
                lambda r: r.visited_on,
                lambda r: reverse("visits:report_detail", args=[r.pk]),
            ),
            Column.customer(_("Customer"), lambda r: r.customer),
            Column(_("Mode"), lambda r: r.get_mode_display()),
            Column(_("Author"), lambda r: r.author.display_name),
        ),
    )
)
