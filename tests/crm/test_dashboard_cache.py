"""The 工作台 at company scale (bench finding 4): chart data cached per viewer for a few minutes,
aggregates that several figures share computed once per request."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from crm.dashboards import DashboardContext, charts
from crm.dashboards.pages import chart_cache_key, chart_data
from tests.crm.test_dashboard import HOME, NOW, PERSONAS, build_world, chart_of, frozen  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(request):
    return {name: request.getfixturevalue(name) for name in PERSONAS}


@pytest.fixture
def cached(settings):
    settings.DASHBOARD_CHART_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def _get(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(HOME)
    assert response.status_code == 200
    return response, ctx.captured_queries


def test_charts_are_cached_per_viewer_and_tiles_stay_live(client, people, cached):
    build_world(people, 1)
    manager, south_manager = people["manager"], people["south_manager"]
    _get(client, manager)  # the session's first write
    cache.clear()
    first, cold = _get(client, manager)
    second, warm = _get(client, manager)
    assert len(warm) < len(cold)
    for key in ("visits.per_salesperson", "grading.round_change", "complaints.measures", "blacklist.summary"):
        assert chart_of(first, key) == chart_of(second, key), key
    # Another department's manager gets its own numbers, not the cached ones of 华东.
    south, _ = _get(client, south_manager)
    assert chart_of(south, "blacklist.summary").labels != chart_of(first, "blacklist.summary").labels
    # Tiles are computed on every request: a new notification shows at once.
    people["manager"].notifications.create(kind="t", title="新")
    third, _ = _get(client, manager)
    tiles = {t["key"]: t["value"] for t in third.context["tiles"]}
    assert tiles["crm.unread"] == {t["key"]: t["value"] for t in first.context["tiles"]}["crm.unread"] + 1


def test_cache_key_holds_the_scope_and_the_language(people):
    manager, south_manager, gm = people["manager"], people["south_manager"], people["gm_office"]
    chart = charts.get("blacklist.summary", manager)
    keys = set()
    for user in (manager, south_manager, gm):
        for language in ("en", "zh-hans"):
            with translation.override(language):
                keys.add(chart_cache_key(chart, DashboardContext(user=user, now=NOW)))
    assert len(keys) == 6


def test_export_is_the_cached_chart(client, people, cached):
    build_world(people, 1)
    manager = people["manager"]
    client.force_login(manager)
    client.get(HOME)
    chart = charts.get("visits.overdue", manager)
    data = chart_data(chart, DashboardContext(user=manager, now=NOW))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("dashboard_chart_export", args=["visits.overdue"]))
    assert response.status_code == 200
    assert not [q for q in ctx.captured_queries if "customers_customer" in q["sql"]]
    assert data.labels  # the cached chart has rows


def test_shared_aggregates_run_once_per_request(client, people):
    """The complaint counts (two tiles and the widget) and the round's grade distribution (one
    GROUP BY, not three) each run once; the visit policy is read once."""
    build_world(people, 1)
    client.force_login(people["manager"])
    client.get(HOME)
    with CaptureQueriesContext(connection) as ctx:
        client.get(HOME)
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert sum('AS "open"' in s for s in sqls) == 1
    assert sum('FROM "grading_evaluation"' in s for s in sqls) == 1
    assert sum('FROM "visits_visitpolicy"' in s for s in sqls) <= 1
    # The complaint measures chart reads its monthly rows only (not by type, not return visits).
    assert sum("COUNT(DISTINCT" in s and "complaints_ticket" in s for s in sqls) == 0
