"""Dashboard pages besides the home: a chart's xlsx, the drill-down lists behind tiles."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from crm.xlsx import xlsx_response

from .export import chart_xlsx
from .pages import chart_data
from .registry import DashboardContext, charts, drill_lists


@login_required
def chart_export(request, key):
    """The numbers of one chart of the viewer's dashboard, scoped like the chart itself."""
    chart = charts.get(key, request.user)
    if chart is None:
        raise Http404
    now = timezone.now()
    data = chart_data(chart, DashboardContext(user=request.user, now=now))
    if data is None:
        raise Http404
    title = chart.title_for(request.user)
    return xlsx_response(chart_xlsx(str(title), data), name=str(title), now=now)


@login_required
def drill_list(request, key):
    """The rows behind a tile, from the same selector as its number."""
    item = drill_lists.get(key, request.user)
    if item is None:
        raise Http404
    ctx = DashboardContext(user=request.user, now=timezone.now(), params=request.GET)
    page = Paginator(item.rows(ctx), 50).get_page(request.GET.get("page"))
    rows = [
        [
            {"value": col.value(row), "link": col.link(row) if col.link else None, "kind": col.kind}
            for col in item.columns
        ]
        for row in page
    ]
    return render(request, "crm/dashboard/list.html", {"list": item, "page": page, "rows": rows})
