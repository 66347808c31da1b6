"""A role's 工作台: the tiles and charts registered for the role, computed for the viewer."""

from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from .chartjs import chart_config
from .registry import Chart, ChartData, DashboardContext, charts, tiles


def chart_cache_seconds() -> int:
    """Charts summarise months of data (a department's 230,000 visit reports, a round's 85,000
    evaluations): they need not be live, so each viewer's chart data is kept this long in
    Django's cache. Tiles (what needs attention now) are always computed. 0: no caching (tests).
    """
    return settings.DASHBOARD_CHART_CACHE_SECONDS


def chart_cache_key(chart: Chart, ctx: DashboardContext) -> str:
    """The viewer's scope is in the key: the user (whose role and department decide what the
    selectors show), the language of the labels, and the day the figures are counted up to."""
    user = ctx.user
    scope = f"{user.pk}.{user.role}.{user.department_id or 0}.{int(user.is_superuser)}"
    return f"crm.dashboard.chart:{chart.key}:{scope}:{translation.get_language()}:{ctx.today:%Y%m%d}"


def chart_data(chart: Chart, ctx: DashboardContext) -> ChartData | None:
    """The chart's numbers for the viewer (the page, its table view and the xlsx use the same)."""
    seconds = chart_cache_seconds()
    if not seconds:
        return chart.build(ctx)
    key = chart_cache_key(chart, ctx)
    cached = cache.get(key)
    if cached is None:
        cached = (chart.build(ctx),)  # a tuple: a chart that has nothing to show is cached too
        cache.set(key, cached, seconds)
    return cached[0]


def chart_dom_id(key: str) -> str:
    return "chart-" + key.replace(".", "-").replace("_", "-")


def dashboard_for(user, *, now: datetime, ctx: DashboardContext | None = None) -> dict:
    """Tiles and charts of the viewer's role; each figure runs a constant number of queries.

    `ctx`: the page's context when the caller shares it with the widgets (crm.views.home)."""
    if ctx is None:
        ctx = DashboardContext(user=user, now=now)
    tile_rows = []
    for tile in tiles.for_user(user):
        value = tile.value(ctx)
        if value is None:
            continue
        tile_rows.append(
            {
                "key": tile.key,
                "label": tile.label_for(user),
                "value": value,
                "url": tile.url(ctx),
                "tone": tile.tone if value else "secondary",
            }
        )
    chart_rows = []
    for chart in charts.for_user(user):
        data = chart_data(chart, ctx)
        if data is None:
            continue
        chart_rows.append(
            {
                "key": chart.key,
                "dom_id": chart_dom_id(chart.key),
                "title": chart.title_for(user),
                "data": data,
                "config": chart_config(data),
                "export_url": reverse("dashboard_chart_export", args=[chart.key]),
            }
        )
    return {"tiles": tile_rows, "charts": chart_rows}
