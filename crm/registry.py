"""What the shared screens are made of, and the one hook of the customer lifecycle.

The customer page (customers/detail.html) shows sections of the upper apps (grading, visits,
complaints, blacklist, engagement, sales, surveys) and the 工作台 (crm/home.html) widgets by
role, but `crm` and `customers` must not import those apps. The sections are listed, in order,
in ONE module that may import every app: `screens` (screens/customer_page.py,
screens/workbench.py). The two views reach it through settings (`CUSTOMER_PAGE_PANELS`,
`WORKBENCH_WIDGETS`, dotted paths read with import_string): explicit and greppable.

A panel's `context(request, obj)` must run a constant number of queries (pinned by tests);
a widget's `obj` is the 工作台's DashboardContext (viewer, `now`, the page's memo).

A customer-page panel names what it shows as querysets (`reads(request, customer)` -> {name:
queryset}); the page reads every panel's, and its own lists, in ONE statement
(crm.db.read_together, issue 21: the page in ≤ 12 queries whatever its panels), then calls
`context(request, customer, rows)` with the panel's rows as lists. Called alone (a test, another
screen), `context(request, customer)` reads its own rows in one statement: `panel_rows`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from .db import read_together
from .permissions import panel_view_allowed


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    context: Callable
    allowed: Callable | None = None  # a predicate of an app's permissions.py; None: everyone
    # Customer page: the customer's one-to-one relations the panel reads (e.g. "location"),
    # joined to the page's customer query instead of a query of the panel's own.
    customer_related: tuple[str, ...] = ()
    # Customer page: what the panel shows, as querysets read in the page's one statement.
    reads: Callable | None = None

    def shown_to(self, user) -> bool:
        return panel_view_allowed(user, self.allowed)


def panels_render(panels, request, obj=None, *, also: dict | None = None) -> tuple[list[dict], dict]:
    """The panels shown to the viewer, in the order listed (a context of None hides its panel),
    and the rows of `also` (the page's own querysets): every panel's `reads` and `also` are read
    in one statement first."""
    shown = [panel for panel in panels if panel.shown_to(request.user)]
    reads = {f"page.{name}": qs for name, qs in (also or {}).items()}
    for panel in shown:
        if panel.reads is not None:
            reads.update({f"{panel.key}.{name}": qs for name, qs in panel.reads(request, obj).items()})
    rows = read_together(reads) if reads else {}
    out = []
    for panel in shown:
        if panel.reads is None:
            ctx = panel.context(request, obj)
        else:
            prefix = f"{panel.key}."
            mine = {k.removeprefix(prefix): v for k, v in rows.items() if k.startswith(prefix)}
            ctx = panel.context(request, obj, mine)
        if ctx is None:
            continue
        out.append({"key": panel.key, "title": panel.title, "template": panel.template, "ctx": ctx})
    return out, {k.removeprefix("page."): v for k, v in rows.items() if k.startswith("page.")}


def panel_rows(reads: Callable, request, obj, rows: dict | None) -> dict:
    """A panel's rows: those the page read for it, or (called alone) its own, in one statement."""
    return rows if rows is not None else read_together(reads(request, obj))


def customer_page_panels(request, customer, *, also: dict | None = None) -> tuple[list[dict], dict]:
    """The sections of the customer page (settings.CUSTOMER_PAGE_PANELS) and the rows of the
    page's own querysets `also`, all read in one statement."""
    return import_string(settings.CUSTOMER_PAGE_PANELS)(request, customer, also=also)


def customer_page_related() -> list[str]:
    """The relations the customer page's panels read, for select_related (settings.CUSTOMER_PAGE_RELATED)."""
    return import_string(settings.CUSTOMER_PAGE_RELATED)()


def workbench_widgets(request, ctx) -> list[dict]:
    """The widgets of the viewer's 工作台 (settings.WORKBENCH_WIDGETS); `ctx` is its DashboardContext."""
    return import_string(settings.WORKBENCH_WIDGETS)(request, ctx)


class Hooks:
    """Functions an upper app asks a customers service to call at a moment of the lifecycle.

    Explicit calls, not signals: the service calls each hook inside its own transaction, so a
    hook that fails rolls the whole action back, and grep finds every caller.
    """

    def __init__(self):
        self._items: dict[str, Callable] = {}

    def register(self, key: str, fn: Callable) -> None:
        self._items[key] = fn

    def __iter__(self):
        return iter([self._items[k] for k in sorted(self._items)])


# Called as fn(customer=, actor=, now=) by customers.services.customer_change_status when a
# customer becomes active (正式): grading gives the provisional grade (暂定等级, domain §3) then.
customer_activated = Hooks()

# Marks shown next to a customer's name everywhere (e.g. the blacklist badge) are model
# fields on Customer (is_blacklisted), kept by the blacklist services: no registry needed.
