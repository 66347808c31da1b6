"""Reads of visits, each scoped through customers.selectors.customer_list_for (domain §1).

The cadence rule (domain §5) is computed in SQL: a customer's cadence base is its last
on-site visit, or, never visited, the day it got its grade; it is overdue once the base is
older than its grade's interval. Day numbers (days since 1970-01-01) keep the arithmetic
portable between PostgreSQL and SQLite.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.db import EpochDays
from crm.models import Role, User
from crm.permissions import all_departments_view_allowed
from customers.models import Customer, CustomerStatus
from customers.selectors import customer_list_for

from . import permissions
from .models import NextStep, PlanStatus, VisitMode, VisitPlan, VisitPolicy, VisitReport

EPOCH = date(1970, 1, 1)


def day_number(d: date) -> int:
    return (d - EPOCH).days


def date_of_day_number(n: int) -> date:
    return EPOCH + timedelta(days=n)


def cadence_base():
    return Coalesce(F("last_onsite_visit_on"), F("grade_since"))


def _interval_case(intervals: dict[str, int]):
    return Case(
        *[When(grade=g, then=Value(days)) for g, days in intervals.items()], output_field=IntegerField()
    )


def cadence_required(qs: QuerySet[Customer], intervals: dict[str, int]) -> QuerySet[Customer]:
    """Customers the cadence applies to: a grade with an interval, not inactive, not blacklisted."""
    return qs.filter(is_deleted=False, grade__in=list(intervals), is_blacklisted=False).exclude(
        status=CustomerStatus.INACTIVE
    )


def overdue_condition(intervals: dict[str, int], today: date) -> Q:
    """Overdue: the cadence base is older than today minus the grade's interval.

    An A customer (60 days) last visited 60 days ago is due today, not overdue; at 61 it is.
    """
    cond = Q(pk__in=[])
    for grade, days in intervals.items():
        cutoff = today - timedelta(days=days)
        cond |= Q(grade=grade, last_onsite_visit_on__lt=cutoff) | Q(
            grade=grade, last_onsite_visit_on__isnull=True, grade_since__lt=cutoff
        )
    return cond


def overdue_customers(
    qs: QuerySet[Customer], *, today: date, policy: VisitPolicy | None = None
) -> QuerySet[Customer]:
    """The overdue customers of `qs`, most overdue first, annotated with `due_day` (day number
    the on-site visit fell due) and `days_overdue`."""
    intervals = (policy or VisitPolicy.load()).intervals()
    if not intervals:
        return qs.none()
    return (
        cadence_required(qs, intervals)
        .filter(overdue_condition(intervals, today))
        .annotate(due_day=EpochDays(cadence_base()) + _interval_case(intervals))
        .annotate(days_overdue=Value(day_number(today)) - F("due_day"))
        .order_by("due_day", "pk")
    )


def overdue_customers_for(
    user: User, *, now: datetime, policy: VisitPolicy | None = None
) -> QuerySet[Customer]:
    """Overdue customers the user may see; for a salesperson only the ones they own."""
    qs = customer_list_for(user)
    if not permissions.others_overdue_view_allowed(user):
        qs = qs.filter(owner=user)
    return overdue_customers(qs, today=timezone.localdate(now), policy=policy)


def next_due_on(customer: Customer, *, policy: VisitPolicy) -> date | None:
    """The date by which the customer must next be visited on site (None: no requirement)."""
    days = policy.intervals().get(customer.grade)
    base = customer.last_onsite_visit_on or customer.grade_since
    if not days or not base or customer.is_blacklisted or customer.status == CustomerStatus.INACTIVE:
        return None
    return base + timedelta(days=days)


def plans_for(user: User) -> QuerySet[VisitPlan]:
    return VisitPlan.objects.filter(customer__in=customer_list_for(user)).select_related(
        "customer", "created_by"
    )


def reports_for(user: User) -> QuerySet[VisitReport]:
    return Customer.objects.rows_visible_to(VisitReport.objects.all(), user).select_related(
        "customer", "author", "plan"
    )


def flagged_checkins(user: User, *, since: date) -> QuerySet[VisitReport]:
    """On-site reports since `since` marked for the manager (no position, or too far)."""
    return (
        reports_for(user)
        .filter(mode=VisitMode.ONSITE, checkin_flagged=True, visited_on__gte=since)
        .order_by("-visited_on", "-pk")
    )


def week_bounds(now: datetime) -> tuple[datetime, datetime, datetime]:
    """Start of today, start of tomorrow and end of this week (next Monday 00:00), local time."""
    today = timezone.localdate(now)
    tz = timezone.get_current_timezone()
    start = datetime.combine(today, datetime.min.time(), tzinfo=tz)
    tomorrow = start + timedelta(days=1)
    week_end = start + timedelta(days=7 - today.weekday())
    return start, tomorrow, week_end


def my_upcoming_plans(user: User, *, now: datetime) -> QuerySet[VisitPlan]:
    """Open plans the user will make, from today to the end of this week."""
    start, _tomorrow, week_end = week_bounds(now)
    return (
        plans_for(user)
        .filter(visitors=user, status__in=[PlanStatus.PLANNED, PlanStatus.CONFIRMED])
        .filter(planned_at__gte=start, planned_at__lt=week_end)
        .order_by("planned_at", "pk")
    )


def next_steps_due(user: User, *, now: datetime) -> QuerySet[NextStep]:
    """The user's open next steps due today or earlier."""
    return (
        NextStep.objects.filter(
            owner=user,
            done_at__isnull=True,
            due_on__lte=timezone.localdate(now),
            report__customer__in=customer_list_for(user),
        )
        .select_related("report__customer")
        .order_by("due_on", "pk")
    )


def next_step_get_for(user: User, pk: int) -> NextStep:
    return NextStep.objects.filter(report__customer__in=customer_list_for(user)).get(pk=pk)


@dataclass
class SalespersonRow:
    user: User
    overdue: int = 0
    required: int = 0
    compliant: int = 0
    visits: int = 0
    onsite: int = 0
    onsite_checked_in: int = 0  # on-site reports with a position within the policy distance
    onsite_flagged: int = 0  # on-site reports without a position or too far: marked for the manager

    @property
    def compliance_rate(self) -> float | None:
        return self.compliant / self.required if self.required else None


def team_summary(user: User, *, now: datetime, policy: VisitPolicy | None = None) -> dict:
    """The manager view: per salesperson, overdue customers, cadence compliance and this
    month's visits; plus the totals. Four queries whatever the size of the department.

    Compliance (domain §5): customers visited on site within their interval / customers
    with a requirement.
    """
    policy = policy or VisitPolicy.load()
    intervals = policy.intervals()
    today = timezone.localdate(now)
    visible = customer_list_for(user)
    rows: dict[int, SalespersonRow] = {}
    people = User.objects.filter(role=Role.SALESPERSON, is_active=True)
    if not all_departments_view_allowed(user):
        people = people.filter(department_id=user.department_id)
    for person in people.order_by("username"):
        rows[person.pk] = SalespersonRow(user=person)

    if intervals:
        visited_recently = Q(pk__in=[])
        for grade, days in intervals.items():
            visited_recently |= Q(grade=grade, last_onsite_visit_on__gte=today - timedelta(days=days))
        per_owner = (
            cadence_required(visible.order_by(), intervals)
            .values("owner_id")
            .annotate(
                required=Count("pk"),
                compliant=Count("pk", filter=visited_recently),
                overdue=Count("pk", filter=overdue_condition(intervals, today)),
            )
        )
        for r in per_owner:
            row = rows.get(r["owner_id"])
            if row is None:  # an owner who left or moved: still counted in the totals
                row = rows[r["owner_id"]] = SalespersonRow(user=User(pk=r["owner_id"], username="—"))
            row.required, row.compliant, row.overdue = r["required"], r["compliant"], r["overdue"]

    month_start = today.replace(day=1)
    per_author = (
        VisitReport.objects.filter(customer__in=visible, visited_on__gte=month_start, visited_on__lte=today)
        .order_by()
        .values("author_id")
        .annotate(
            visits=Count("pk"),
            onsite=Count("pk", filter=Q(mode=VisitMode.ONSITE)),
            onsite_flagged=Count("pk", filter=Q(mode=VisitMode.ONSITE, checkin_flagged=True)),
        )
    )
    for r in per_author:
        row = rows.get(r["author_id"])
        if row is not None:
            row.visits, row.onsite, row.onsite_flagged = r["visits"], r["onsite"], r["onsite_flagged"]
            row.onsite_checked_in = r["onsite"] - r["onsite_flagged"]

    required = sum(r.required for r in rows.values())
    compliant = sum(r.compliant for r in rows.values())
    return {
        "rows": list(rows.values()),
        "required": required,
        "compliant": compliant,
        "overdue": sum(r.overdue for r in rows.values()),
        "compliance_rate": compliant / required if required else None,
        "visits": sum(r.visits for r in rows.values()),
        "onsite_checked_in": sum(r.onsite_checked_in for r in rows.values()),
        "onsite_flagged": sum(r.onsite_flagged for r in rows.values()),
        "month_start": month_start,
    }


# --- Figures of the 工作台 (crm.dashboards; visits/dashboards.py) ------------------------------


def month_starts(today: date, months: int) -> list[date]:
    """The first days of the last `months` calendar months, this one last."""
    from crm.services import add_months

    first = today.replace(day=1)
    return [add_months(first, -k) for k in range(months - 1, -1, -1)]


def visits_per_salesperson_month(user: User, *, now: datetime, months: int = 12) -> dict:
    """Visit reports of customers the user may see, per author and calendar month, over the
    last `months` months including this one. Two queries.

    Rows: author_id, author__username, author__full_name, author__department_id,
    author__department__name, month (a date, first of the month), visits, onsite.

    The reports are counted per author and day in SQL (a hash of a few thousand groups, no
    function over each report), summed per month here, and the authors read afterwards.
    Grouped by the month and the joined names and department, PostgreSQL expected as many
    groups as reports and sorted a year of them on disk first (3.3 s for 总经办 at company
    scale, issue 21).
    """
    today = timezone.localdate(now)
    starts = month_starts(today, months)
    per_day = (
        reports_for(user)
        .filter(visited_on__gte=starts[0], visited_on__lte=today)
        .order_by()
        .values("author_id", "visited_on")
        .annotate(visits=Count("pk"), onsite=Count("pk", filter=Q(mode=VisitMode.ONSITE)))
    )
    counts: dict[tuple[int, date], list[int]] = {}
    for r in per_day:
        n = counts.setdefault((r["author_id"], r["visited_on"].replace(day=1)), [0, 0])
        n[0] += r["visits"]
        n[1] += r["onsite"]
    authors = User.objects.select_related("department").in_bulk({a for a, _m in counts})
    rows = [
        {
            "author_id": author_id,
            "author__username": authors[author_id].username,
            "author__full_name": authors[author_id].full_name,
            "author__department_id": authors[author_id].department_id,
            "author__department__name": getattr(authors[author_id].department, "name", None),
            "month": month,
            "visits": visits,
            "onsite": onsite,
        }
        for (author_id, month), (visits, onsite) in counts.items()
    ]
    rows.sort(key=lambda r: (r["author__username"], r["month"]))
    return {"months": starts, "rows": rows}
