"""A role's 工作台: the tiles and charts registered for the role, computed for the viewer."""

from datetime import datetime

from django.urls import reverse

from .chartjs import chart_config
from .registry import DashboardContext, charts, tiles


def chart_dom_id(key: str) -> str:
    return "chart-" + key.replace(".", "-").replace("_", "-")


def dashboard_for(user, *, now: datetime) -> dict:
    """Tiles and charts of the viewer's role; each figure runs a constant number of queries."""
    ctx = DashboardContext(user=user, now=now)
    tile_rows = []
    for tile in tiles.for_user(user):
        value = tile.value(ctx)
        if value is None:
            continue
        tile_rows.append({
            "key": tile.key, "label": tile.label_for(user), "value": value, "url": tile.url(ctx),
            "tone": tile.tone if value else "secondary",
        })
    chart_rows = []
    for chart in charts.for_user(user):
        data = chart.build(ctx)
        if data is None:
            continue
        chart_rows.append({
            "key": chart.key, "dom_id": chart_dom_id(chart.key), "title": chart.title_for(user), "data": data,
            "config": chart_config(data), "export_url": reverse("dashboard_chart_export", args=[chart.key]),
        })
    return {"tiles": tile_rows, "charts": chart_rows}
