"""Contributions to shared screens (crm.registry): the customer page's panel, the 工作台 widget.

Each context function runs a constant number of queries (tests pin them).
"""

from django.utils import timezone

from . import selectors

PANEL_SIZE = 5
WIDGET_SIZE = 8


def customer_panel_context(request, customer) -> dict | None:
    """The customer's complaints the user may see (latest first), with a button to open one."""
    if customer is None:
        return None
    tickets = list(selectors.customer_tickets(request.user, customer.pk)[: PANEL_SIZE + 1])
    open_count = selectors.customer_tickets(request.user, customer.pk).open().count()
    return {
        "customer_id": customer.pk, "customer_name": customer.name, "tickets": tickets[:PANEL_SIZE],
        "more": len(tickets) > PANEL_SIZE, "open_count": open_count,
    }


def dashboard_widget_context(request, _obj=None) -> dict:
    """My open complaints (A-grade first); for managers and 总经办 also their department's counts."""
    user = request.user
    now = timezone.now()
    counts = None
    if user.is_manager or user.sees_all_departments or user.is_assistant:
        counts = selectors.department_open_counts(user, now=now)
    return {"tickets": list(selectors.my_open_tickets(user)[:WIDGET_SIZE]), "counts": counts, "now": now}
