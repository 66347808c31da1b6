"""Reads of complaint tickets, each scoped to what the user may see.

Visibility (domain §1, §6): a ticket is visible to whoever may see its customer
(customers.selectors.customer_list_for), and also to the people it was assigned to: its
handler, and the managers and assistants of its responsible department, who must be able to
work on a ticket of another department's customer without seeing that customer's archive.
"""

from datetime import datetime, timedelta

from django.db.models import Avg, Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from crm.models import User
from crm.permissions import all_departments_view_allowed
from customers.models import Grade
from customers.selectors import customer_list_for, customer_name_match

from . import permissions
from .models import HANDLED_ON_TIME, HANDLING_STATES, ComplaintPolicy, Status, Ticket, TicketFeedback

SCOPES = ("mine", "department", "escalated", "all")


def ticket_list_for(user: User) -> QuerySet[Ticket]:
    """Tickets the user may see, with what lists show (customer, owner, handler, departments)."""
    if not user.is_authenticated or not user.is_active:
        return Ticket.objects.none()
    qs = Ticket.objects.select_related(
        "customer",
        "customer__owner",
        "customer__department",
        "handler",
        "responsible_department",
        "received_by",
    )
    if all_departments_view_allowed(user):
        return qs
    if permissions.department_tickets_view_allowed(user):
        # customer_list_for(user) of a manager or an assistant: the department's customers not
        # deleted (Customer.objects.visible_to), here as a condition on the joined customer; the
        # `customer_id IN (...)` form scanned all 100,000 customers on every 工作台 (bench finding 4).
        visible = Q(customer__department_id=user.department_id, customer__is_deleted=False)
        return qs.filter(visible | Q(handler=user) | Q(responsible_department_id=user.department_id))
    return qs.filter(Q(customer__in=customer_list_for(user).values("pk")) | Q(handler=user))


def ticket_get_for(user: User, pk: int) -> Ticket:
    """One ticket the user may see; Ticket.DoesNotExist (→ 404) otherwise."""
    return ticket_list_for(user).get(pk=pk)


def ticket_scope(qs: QuerySet[Ticket], user: User, scope: str) -> QuerySet[Ticket]:
    """The three lists of §6: mine, my department's, escalated (重大投诉, for 总经办)."""
    if scope == "mine":
        return qs.filter(Q(received_by=user) | Q(handler=user) | Q(customer__owner=user))
    if scope == "department":
        if all_departments_view_allowed(user) or not user.department_id:
            return qs
        return qs.filter(
            Q(customer__department_id=user.department_id) | Q(responsible_department_id=user.department_id)
        )
    if scope == "escalated":
        return qs.filter(is_major=True)
    return qs


def with_recent_feedbacks(
    qs: QuerySet[Ticket], *, now: datetime, policy: ComplaintPolicy
) -> QuerySet[Ticket]:
    """Annotate `recent_feedbacks`: feedbacks given in the policy window up to now."""
    recent = (
        TicketFeedback.objects.filter(
            ticket=OuterRef("pk"), given_at__gt=now - timedelta(days=policy.feedback_window_days)
        )
        .order_by()
        .values("ticket")
        .annotate(c=Count("id"))
        .values("c")
    )
    return qs.annotate(recent_feedbacks=Coalesce(Subquery(recent, output_field=IntegerField()), Value(0)))


def feedback_required(*, received_at: datetime, now: datetime, policy: ComplaintPolicy) -> int:
    """How many feedbacks the last window must hold: prorated while the ticket is younger.

    The rule is "at least 2 a week": a ticket received 2 days ago has not missed anything
    yet, one received 4 days ago owes one feedback, from 7 days on it owes the full count.
    """
    window = timedelta(days=policy.feedback_window_days)
    age = now - received_at
    if age >= window:
        return policy.feedback_min_count
    return int(policy.feedback_min_count * (age / window))


def feedback_missing_q(*, now: datetime, policy: ComplaintPolicy) -> Q:
    """SQL form of the feedback flag, on a queryset annotated by `with_recent_feedbacks`."""
    window = timedelta(days=policy.feedback_window_days)
    cond = Q(pk__in=[])
    n = policy.feedback_min_count
    for k in range(1, n + 1):
        # floor(n * age / window) >= k  ⟺  age >= k * window / n
        cond |= Q(received_at__lte=now - window * k / n, recent_feedbacks__lt=k)
    return Q(status__in=HANDLING_STATES) & cond


def is_feedback_missing(ticket: Ticket, *, now: datetime, policy: ComplaintPolicy) -> bool:
    """The flag of §6 for one ticket annotated by `with_recent_feedbacks`."""
    if not ticket.is_handling:
        return False
    return ticket.recent_feedbacks < feedback_required(received_at=ticket.received_at, now=now, policy=policy)


def a_grade_first(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """A-grade customers' complaints are handled first (§6): on top, then by deadline."""
    return qs.annotate(
        a_first=Case(
            When(customer__grade=Grade.A, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("a_first", "deadline_at", "id")


def tickets_for_list(
    user: User, *, scope: str, state: str, now: datetime, policy: ComplaintPolicy, q: str = ""
) -> QuerySet[Ticket]:
    """The list page: scope, state filter (open/overdue/flagged/closed/all), search, order."""
    qs = with_recent_feedbacks(ticket_scope(ticket_list_for(user), user, scope), now=now, policy=policy)
    if state == "open":
        qs = qs.open()
    elif state == "overdue":
        qs = qs.filter(status__in=HANDLING_STATES, deadline_at__lt=now)
    elif state == "flagged":
        qs = qs.filter(feedback_missing_q(now=now, policy=policy))
    elif state == "closed":
        qs = qs.filter(status=Status.CLOSED)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(number__icontains=q) | customer_name_match(q, prefix="customer__"))
    return a_grade_first(qs)


def customer_tickets(user: User, customer_id: int) -> QuerySet[Ticket]:
    return ticket_list_for(user).filter(customer_id=customer_id).order_by("-received_at", "-id")


def my_open_tickets(user: User) -> QuerySet[Ticket]:
    return a_grade_first(ticket_scope(ticket_list_for(user), user, "mine").open())


def department_open_counts(user: User, *, now: datetime) -> dict:
    """For managers' and 总经办's 工作台: open, overdue and major tickets they may see (one query).

    Its tiles and the complaints widget both show these counts: they call it through the page's
    DashboardContext.once(DEPARTMENT_OPEN_COUNTS, ...), so it runs once per 工作台."""
    qs = ticket_scope(ticket_list_for(user), user, "department").open()
    return qs.aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(status__in=HANDLING_STATES, deadline_at__lt=now)),
        major=Count("id", filter=Q(is_major=True)),
    )


DEPARTMENT_OPEN_COUNTS = "complaints.department_open_counts"  # the memo key of the 工作台


# --- Measures (§6: per department and month) --------------------------------------------------


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _measures_scope(user: User, *, year: int, department_id: int | None) -> QuerySet[Ticket]:
    start, end = _year_bounds(year)
    qs = ticket_list_for(user).filter(received_at__gte=start, received_at__lt=end)
    if department_id:
        qs = qs.filter(customer__department_id=department_id)
    return qs


def _month_number(month) -> int:
    return timezone.localtime(month).month if timezone.is_aware(month) else month.month


def _measure_counts(*, now: datetime) -> dict:
    """The measures of §5 as aggregates, defined once for the monthly rows and the yearly sums.

    On time: resolved by the deadline, among tickets resolved or already past their deadline
    (a ticket still within its deadline is not counted yet).
    """
    return {
        "received": Count("id"),
        "resolved": Count("id", filter=Q(resolved_at__isnull=False)),
        "due": Count("id", filter=Q(resolved_at__isnull=False) | Q(deadline_at__lt=now)),
        "on_time": Count("id", filter=HANDLED_ON_TIME),
        "satisfaction": Avg("satisfaction"),
    }


def _measure_rates(r: dict) -> None:
    r["on_time_rate"] = _rate(r["on_time"], r["due"])
    r["resolution_rate"] = _rate(r["resolved"], r["received"])
    r["satisfaction"] = round(r["satisfaction"], 2) if r["satisfaction"] is not None else None


def complaint_measures_monthly(
    user: User, *, year: int, now: datetime, department_id: int | None = None
) -> list[dict]:
    """complaint_measures' rows alone (one query): what the 工作台's chart draws."""
    qs = _measures_scope(user, year=year, department_id=department_id)
    month = TruncMonth("received_at", tzinfo=timezone.get_current_timezone())
    rows = list(
        qs.annotate(month=month)
        .values("customer__department_id", "customer__department__name", "month")
        .annotate(**_measure_counts(now=now))
        .order_by("customer__department__name", "month")
    )
    for r in rows:
        r["month_number"] = _month_number(r["month"])
        _measure_rates(r)
    return rows


def complaint_measures(user: User, *, year: int, now: datetime, department_id: int | None = None) -> dict:
    """Handled-on-time rate, resolution rate, average satisfaction and count by type, per
    department (the customer's) and month of receipt; and the share of this year's
    complainants who got a return visit this year (target 100%, §5). Three queries.
    The counts and rates: _measure_counts and _measure_rates.
    """
    start, end = _year_bounds(year)
    qs = _measures_scope(user, year=year, department_id=department_id)
    rows = complaint_measures_monthly(user, year=year, now=now, department_id=department_id)
    month = TruncMonth("received_at", tzinfo=timezone.get_current_timezone())
    by_type = list(
        qs.annotate(month=month).values("month", "complaint_type").annotate(n=Count("id")).order_by("month")
    )
    share = qs.aggregate(
        complainants=Count("customer", distinct=True),
        visited=Count(
            "customer", distinct=True, filter=Q(return_visited_at__gte=start, return_visited_at__lt=end)
        ),
    )
    for r in by_type:
        r["month_number"] = _month_number(r["month"])
    share["rate"] = _rate(share["visited"], share["complainants"])
    return {"rows": rows, "by_type": by_type, "return_visits": share}


# --- Figures of the 工作台 (crm.dashboards; complaints/dashboards.py) --------------------------


def complaint_measures_by_department(user: User, *, year: int, now: datetime) -> list[dict]:
    """complaint_measures' figures for the whole year, one row per department (the
    customer's): the sums of the measures page's monthly rows. One query."""
    start, end = _year_bounds(year)
    rows = list(
        ticket_list_for(user)
        .filter(received_at__gte=start, received_at__lt=end)
        .order_by()
        .values("customer__department_id", "customer__department__name")
        .annotate(**_measure_counts(now=now))
        .order_by("customer__department__name")
    )
    for r in rows:
        _measure_rates(r)
    return rows
