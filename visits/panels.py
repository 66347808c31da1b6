"""The visits section of the customer page and the salesperson's 工作台 widget (crm.registry).

Each context function runs a constant number of queries (pinned by tests).
"""

from django.utils import timezone

from crm.registry import panel_rows

from . import selectors
from .calendar import day_start
from .models import CustomerLocation, VisitPlan, VisitPolicy, VisitReport

TIMELINE_PLANS = 10
TIMELINE_REPORTS = 15
WIDGET_ROWS = 5


def customer_visits_reads(request, customer) -> dict:
    return {
        "plans": VisitPlan.objects.filter(customer=customer).order_by("-planned_at", "-pk")[:TIMELINE_PLANS],
        "reports": VisitReport.objects.filter(customer=customer)
        .select_related("author")
        .order_by("-visited_on", "-pk")[:TIMELINE_REPORTS],
    }


def customer_visits_context(request, customer, rows=None) -> dict:
    """Timeline (plans, on-site visits, follow-ups), the next due date by cadence, buttons."""
    rows = panel_rows(customer_visits_reads, request, customer, rows)
    today = timezone.localdate()
    policy = VisitPolicy.load()
    plans, reports = rows["plans"], rows["reports"]
    today_start = day_start(today)
    for p in plans:
        p.is_missed = p.is_open and p.planned_at < today_start  # 未执行
    timeline = [{"on": timezone.localdate(p.planned_at), "plan": p} for p in plans]
    timeline += [{"on": r.visited_on, "report": r} for r in reports]
    timeline.sort(key=lambda e: e["on"], reverse=True)
    due = selectors.next_due_on(customer, policy=policy)
    return {
        "customer": customer,
        "timeline": timeline,
        "next_due": due,
        "days_overdue": (today - due).days if due and due < today else 0,
        "interval": policy.intervals().get(customer.grade),
        "can_plan": not customer.is_blacklisted,
        "location": _location(customer),
    }


def _location(customer) -> CustomerLocation | None:
    """Joined to the customer on its page (screens.customer_page: customer_related); else one query."""
    try:
        return customer.location
    except CustomerLocation.DoesNotExist:
        return None


def salesperson_widget_context(request, ctx) -> dict:
    """Today's plans, next steps due, my overdue customers."""
    user, now = request.user, ctx.now
    _start, tomorrow, _week_end = selectors.week_bounds(now)
    overdue = selectors.overdue_customers_for(user, now=now)
    overdue_rows = list(overdue[: WIDGET_ROWS + 1])
    return {
        "plans": list(selectors.my_upcoming_plans(user, now=now).filter(planned_at__lt=tomorrow)),
        "steps": list(selectors.next_steps_due(user, now=now)[:WIDGET_ROWS]),
        "overdue": overdue_rows[:WIDGET_ROWS],
        "more_overdue": len(overdue_rows) > WIDGET_ROWS,
    }
