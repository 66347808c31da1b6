"""Contributions to shared screens (crm.registry): the customer page's panel, the 工作台 widget.

Each context function runs a constant number of queries (tests pin them).
"""

from django.db.models import Case, Q, Sum, Value, When, Window

from crm.registry import panel_rows

from . import permissions, selectors
from .models import Status, Ticket

PANEL_SIZE = 5
WIDGET_SIZE = 8


def customer_panel_reads(request, customer) -> dict:
    # The customer page shows only a customer the user may see (customer_detail_for), and every
    # ticket of a visible customer is visible (ticket_list_for): filter on the customer alone,
    # without the visibility subquery, and count the open ones in the same statement.
    open_total = Window(Sum(Case(When(~Q(status=Status.CLOSED), then=Value(1)), default=Value(0))))
    return {
        "tickets": Ticket.objects.filter(customer_id=customer.pk)
        .annotate(open_total=open_total)
        .order_by("-received_at", "-id")[: PANEL_SIZE + 1]
    }


def customer_panel_context(request, customer, rows=None) -> dict | None:
    """The customer's complaints the user may see (latest first), with a button to open one."""
    if customer is None:
        return None
    tickets = panel_rows(customer_panel_reads, request, customer, rows)["tickets"]
    open_count = tickets[0].open_total if tickets else 0
    return {
        "customer_id": customer.pk,
        "customer_name": customer.name,
        "tickets": tickets[:PANEL_SIZE],
        "more": len(tickets) > PANEL_SIZE,
        "open_count": open_count,
    }


def dashboard_widget_context(request, ctx) -> dict:
    """My open complaints (A-grade first); for managers and 总经办 also their department's counts
    (the figures the 工作台's tiles computed: `ctx` is its DashboardContext)."""
    user, now = ctx.user, ctx.now
    counts = None
    if permissions.department_counts_view_allowed(user):
        counts = ctx.once(
            selectors.DEPARTMENT_OPEN_COUNTS, lambda: selectors.department_open_counts(user, now=now)
        )
    return {"tickets": list(selectors.my_open_tickets(user)[:WIDGET_SIZE]), "counts": counts, "now": now}
