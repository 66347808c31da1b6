"""The 工作台 (home) of each role: tiles, charts with table views and xlsx, drill-down lists.

Apps contribute figures from their own `dashboards` module; see registry.py.
"""

from .registry import (
    ALL_ROLES,
    OVERVIEW_ROLES,
    Chart,
    ChartData,
    Column,
    DashboardContext,
    DrillList,
    Tile,
    charts,
    drill_lists,
    tiles,
)

__all__ = [
    "ALL_ROLES",
    "OVERVIEW_ROLES",
    "Chart",
    "ChartData",
    "Column",
    "DashboardContext",
    "DrillList",
    "Tile",
    "charts",
    "drill_lists",
    "tiles",
    "drill_url",
]


def drill_url(key: str) -> str:
    from django.urls import reverse

    return reverse("dashboard_list", args=[key])
