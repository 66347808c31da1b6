"""Extension points through which the upper apps add to shared screens without being imported.

`customers` ← {grading, visits, complaints, blacklist}: the customer page shows a grading
panel, a visit timeline, complaints and the blacklist mark, but `customers` must not import
those apps. Each app registers its panels in its `AppConfig.ready()`; the page renders them in
order. Likewise the 工作台 (home) collects widgets by role.

A panel's `context(request, obj)` must run a constant number of queries (pinned by tests).
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    context: Callable
    order: int = 100
    roles: frozenset = field(default_factory=frozenset)  # empty: every role

    def shown_to(self, user) -> bool:
        return not self.roles or user.role in self.roles or user.is_superuser


class Registry:
    def __init__(self):
        self._items: dict[str, Panel] = {}

    def register(self, panel: Panel) -> None:
        self._items[panel.key] = panel

    def for_user(self, user) -> list[Panel]:
        return sorted((p for p in self._items.values() if p.shown_to(user)), key=lambda p: (p.order, p.key))

    def render_all(self, request, obj=None) -> list[dict]:
        out = []
        for panel in self.for_user(request.user):
            ctx = panel.context(request, obj)
            if ctx is None:
                continue
            out.append({"key": panel.key, "title": panel.title, "template": panel.template, "ctx": ctx})
        return out


# Sections of the customer page (customers/detail.html) contributed by other apps.
customer_panels = Registry()
# Widgets of the 工作台 (crm/home.html), by role.
dashboard_widgets = Registry()


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
