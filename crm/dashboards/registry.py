"""The figures of the 工作台: tiles (a number that links to its list), charts, drill-down lists.

`crm` sits below every app, so it cannot import their models; each app contributes its
figures from its own `dashboards` module (`visits/dashboards.py` ...), found by
`autodiscover()` like the admin's `admin.py`. A figure computes from that app's selectors,
scoped to the viewer (customers.selectors.customer_list_for), in a constant number of
aggregate queries whatever the data size (tests pin the count per role).

Each figure links to the detailed list it summarises, and the list is built from the same
selector, so the number and the rows agree (tests check every pair).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

ALL_ROLES = frozenset({"salesperson", "assistant", "manager", "gm_office", "admin"})
OVERVIEW_ROLES = frozenset({"gm_office", "admin"})


@dataclass
class DashboardContext:
    """What every figure gets: the viewer, one `now` for the whole page, and a memo so that
    two figures built from the same aggregate (e.g. team_summary) run its queries once."""

    user: object
    now: datetime
    params: dict = field(default_factory=dict)  # a drill-down list's query string
    memo: dict = field(default_factory=dict)

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)

    def once(self, key: str, fn: Callable):
        if key not in self.memo:
            self.memo[key] = fn()
        return self.memo[key]


@dataclass
class ChartData:
    """The numbers of a chart: one row per label, one column per series.

    The same object draws the chart (Chart.js config), the table view and the xlsx export,
    so the three never disagree. `links[i][j]` opens the list behind a cell (or None);
    `row_links[i]` the list behind a row.
    """

    kind: str  # "bar", "line", "doughnut"
    label_title: str
    labels: list
    series: list  # [(name, [values...])]
    unit: str = ""
    stacked: bool = False
    horizontal: bool = False
    y_max: float | None = None
    links: list | None = None
    row_links: list | None = None
    more_url: str | None = None
    note: str = ""
    extra: list = field(default_factory=list)  # [(name, values)] in the table and the xlsx only

    @property
    def columns(self) -> list:
        return [*self.series, *self.extra]

    def rows(self) -> list[dict]:
        out = []
        for i, label in enumerate(self.labels):
            cells = []
            for j, (_name, values) in enumerate(self.series):
                link = self.links[i][j] if self.links else None
                cells.append({"value": values[i], "link": link, "unit": self.unit})
            cells += [{"value": values[i], "link": None, "unit": ""} for _name, values in self.extra]
            out.append(
                {"label": label, "cells": cells, "link": self.row_links[i] if self.row_links else None}
            )
        return out

    @property
    def is_empty(self) -> bool:
        # A rate of 0 % is data when something was counted (the table's extra columns).
        return not self.labels or all(not v for _n, values in self.columns for v in values)


@dataclass(frozen=True)
class Tile:
    """A number that needs the viewer's attention, with the list it counts."""

    key: str
    label: str
    value: Callable  # (DashboardContext) -> int | None (None: not shown)
    url: Callable  # (DashboardContext) -> str
    roles: frozenset = ALL_ROLES
    order: int = 100
    tone: str = "primary"  # "danger" when a non-zero value means something is late
    labels: dict = field(default_factory=dict)  # a wording per role, e.g. 总经办's "A promotions"

    def label_for(self, user) -> str:
        return self.labels.get(user.role, self.label)


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    build: Callable  # (DashboardContext) -> ChartData | None
    roles: frozenset = ALL_ROLES
    order: int = 100
    titles: dict = field(default_factory=dict)

    def title_for(self, user) -> str:
        return self.titles.get(user.role, self.title)


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable  # (row) -> value shown
    link: Callable | None = None  # (row) -> url
    # "text": the value as it is. "customer": the value is a Customer, shown as its name with the
    # shared grade badge and blacklist mark (`{% customer_name %}`, customers.templatetags.customer_tags; §4: marked on
    # every list). Select the customer with the rows (select_related): the cell reads no more.
    kind: str = "text"

    @classmethod
    def customer(cls, header: str, customer: Callable, *, link: bool = True) -> "Column":
        """A column of the row's customer (`customer(row)` -> Customer), linked to its page."""
        from django.urls import reverse

        return cls(
            header,
            customer,
            (lambda row: reverse("customers:detail", args=[customer(row).pk])) if link else None,
            kind="customer",
        )


@dataclass(frozen=True)
class DrillList:
    """A detailed list behind a tile, for figures whose app has no list page of its own."""

    key: str
    title: str
    rows: Callable  # (DashboardContext) -> QuerySet, scoped to the viewer, ordered
    columns: tuple
    roles: frozenset = ALL_ROLES
    intro: str = ""


class FigureRegistry:
    def __init__(self):
        self._items: dict = {}

    def register(self, item) -> None:
        self._items[item.key] = item

    def get(self, key: str, user):
        autodiscover()
        item = self._items.get(key)
        if item is None or not _shown_to(item, user):
            return None
        return item

    def for_user(self, user) -> list:
        autodiscover()
        return sorted(
            (i for i in self._items.values() if _shown_to(i, user)),
            key=lambda i: (getattr(i, "order", 0), i.key),
        )


def _shown_to(item, user) -> bool:
    role = "admin" if user.is_superuser else user.role
    return role in item.roles


tiles = FigureRegistry()
charts = FigureRegistry()
drill_lists = FigureRegistry()

_discovered = False


def autodiscover() -> None:
    """Import every installed app's `dashboards` module once (they register their figures)."""
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("dashboards")
        from . import builtin  # noqa: F401  crm's own figures (notifications)
