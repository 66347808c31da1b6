"""Complaints on the 工作台 (crm.dashboards): open and escalated tickets, and the measures of
§6 (handled on time, resolution, satisfaction) for the department or per department."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.dashboards import OVERVIEW_ROLES, Chart, ChartData, Tile, charts, tiles

from . import selectors


def list_url(scope: str, state: str) -> str:
    return reverse("complaints:list") + "?" + urlencode({"scope": scope, "state": state})


def measures_url(ctx, department_id=None) -> str:
    params = {"year": ctx.today.year}
    if department_id:
        params["department"] = department_id
    return reverse("complaints:measures") + "?" + urlencode(params)


def _department_counts(ctx):
    # Once per 工作台: the complaints widget shows them too (screens/workbench.py).
    return ctx.once(
        selectors.DEPARTMENT_OPEN_COUNTS, lambda: selectors.department_open_counts(ctx.user, now=ctx.now)
    )


def escalated_open(ctx) -> int:
    qs = selectors.ticket_scope(selectors.ticket_list_for(ctx.user), ctx.user, "escalated")
    return qs.open().count()


def department_measures(ctx) -> ChartData:
    """This year's measures of the manager's department, month by month (the measures page's rows)."""
    monthly = selectors.complaint_measures_monthly(
        ctx.user, year=ctx.today.year, now=ctx.now, department_id=ctx.user.department_id
    )
    by_month = {r["month_number"]: r for r in monthly}
    months = list(range(1, ctx.today.month + 1))
    rows = [by_month.get(m, {}) for m in months]
    return ChartData(
        kind="line",
        unit="%",
        y_max=100,
        label_title=_("Month"),
        labels=[f"{ctx.today.year}-{m:02d}" for m in months],
        series=[
            (_("Handled on time"), [r.get("on_time_rate") for r in rows]),
            (_("Resolution rate"), [r.get("resolution_rate") for r in rows]),
        ],
        extra=[
            (_("Received"), [r.get("received", 0) for r in rows]),
            (_("Average satisfaction"), [r.get("satisfaction") for r in rows]),
        ],
        more_url=measures_url(ctx, ctx.user.department_id),
        note=_("Complaints received this year, by the month of receipt."),
    )


def measures_by_department(ctx) -> ChartData:
    rows = selectors.complaint_measures_by_department(ctx.user, year=ctx.today.year, now=ctx.now)
    return ChartData(
        kind="bar",
        unit="%",
        y_max=100,
        label_title=_("Department"),
        labels=[r["customer__department__name"] for r in rows],
        series=[
            (_("Handled on time"), [r["on_time_rate"] for r in rows]),
            (_("Resolution rate"), [r["resolution_rate"] for r in rows]),
        ],
        extra=[
            (_("Received"), [r["received"] for r in rows]),
            (_("Average satisfaction"), [r["satisfaction"] for r in rows]),
        ],
        row_links=[measures_url(ctx, r["customer__department_id"]) for r in rows],
        more_url=measures_url(ctx),
        note=_("Complaints received this year."),
    )


tiles.register(
    Tile(
        key="complaints.mine",
        label=_("My open complaints"),
        order=40,
        tone="warning",
        value=lambda ctx: selectors.my_open_tickets(ctx.user).count(),
        url=lambda ctx: list_url("mine", "open"),
        roles=frozenset({"salesperson"}),
    )
)
tiles.register(
    Tile(
        key="complaints.department_open",
        label=_("Open complaints of the department"),
        order=40,
        value=lambda ctx: _department_counts(ctx)["open"],
        url=lambda ctx: list_url("department", "open"),
        roles=frozenset({"manager"}),
    )
)
tiles.register(
    Tile(
        key="complaints.department_overdue",
        label=_("Complaints past their deadline"),
        order=41,
        tone="danger",
        value=lambda ctx: _department_counts(ctx)["overdue"],
        url=lambda ctx: list_url("department", "overdue"),
        roles=frozenset({"manager"}),
    )
)
tiles.register(
    Tile(
        key="complaints.escalated",
        label=_("Escalated complaints open"),
        order=40,
        tone="danger",
        value=escalated_open,
        url=lambda ctx: list_url("escalated", "open"),
        roles=OVERVIEW_ROLES,
    )
)

charts.register(
    Chart(
        key="complaints.measures",
        title=_("Complaint measures this year"),
        build=department_measures,
        order=50,
        roles=frozenset({"manager"}),
    )
)
charts.register(
    Chart(
        key="complaints.by_department",
        title=_("Complaint measures by department this year"),
        build=measures_by_department,
        order=50,
        roles=OVERVIEW_ROLES,
    )
)
