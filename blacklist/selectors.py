"""Reads of the blacklist, each scoped to what the user may see (customers.selectors rule)."""

from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from crm.models import Department, User
from crm.permissions import all_departments_view_allowed
from customers.selectors import customer_list_for

from . import permissions
from .models import BlacklistEntry, EntryState


def entries_visible_to(user: User) -> QuerySet[BlacklistEntry]:
    """Entries of customers the user may see, with what lists and the report show."""
    return BlacklistEntry.objects.filter(customer__in=customer_list_for(user).values("pk")).select_related(
        "customer", "department", "reported_by", "proposed_by", "decided_by"
    )


def entry_get_for(user: User, pk: int) -> BlacklistEntry:
    """One entry the user may see; BlacklistEntry.DoesNotExist (→ 404) otherwise."""
    return entries_visible_to(user).get(pk=pk)


def report_departments(user: User) -> QuerySet[Department]:
    if all_departments_view_allowed(user):
        return Department.objects.filter(is_head_office=False)
    return Department.objects.filter(pk=user.department_id)


def report_entries(
    user: User,
    *,
    department_id: int | None = None,
    state: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[BlacklistEntry]:
    """The rows of the 黑名单报表: visible entries, filtered; the period is the report date."""
    if not permissions.blacklist_report_view_allowed(user):
        return BlacklistEntry.objects.none()
    qs = entries_visible_to(user)
    if department_id:
        qs = qs.filter(department_id=department_id)
    if state:
        qs = qs.filter(state=state)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    return qs.order_by("department__name", "-created_at", "-id")


def report_totals(entries: QuerySet[BlacklistEntry]) -> list[dict]:
    """Totals per department of the filtered report: entries, active ones, loss (元)."""
    return list(
        entries.order_by()
        .values("department_id", "department__name")
        .annotate(
            entries=Count("pk"),
            active=Count("pk", filter=Q(state=EntryState.ACTIVE)),
            pending=Count("pk", filter=Q(state=EntryState.REPORTED)),
            loss=Sum("loss_amount", default=Decimal(0)),
        )
        .order_by("department__name")
    )


def entries_expiring(user: User, *, today: date, days: int) -> QuerySet[BlacklistEntry]:
    from datetime import timedelta

    return entries_visible_to(user).filter(
        state=EntryState.ACTIVE, ends_on__gte=today, ends_on__lte=today + timedelta(days=days)
    )


def entries_awaiting(user: User) -> QuerySet[BlacklistEntry]:
    """Entries waiting for this user's decision: 总经办 verifies reports; a manager submits proposals."""
    qs = entries_visible_to(user).filter(state=EntryState.REPORTED)
    if permissions.blacklist_verification_allowed(user):
        return qs.filter(reported_by__isnull=False)
    if permissions.blacklist_proposal_review_allowed(user):
        return qs.filter(reported_by__isnull=True, department_id=user.department_id)
    return qs.none()


# --- Figures of the 工作台 (crm.dashboards; blacklist/dashboards.py) ---------------------------


def readmissions_awaiting(user: User) -> QuerySet:
    """Pending re-admission requests still missing this user's approval: 总经办's, or the
    manager's of the entry's department (both are needed, in either order, §4)."""
    from .models import ReadmissionRequest, ReadmissionState

    qs = (
        ReadmissionRequest.objects.filter(
            state=ReadmissionState.PENDING, entry__customer__in=customer_list_for(user).values("pk")
        )
        .select_related("entry__customer", "entry__department", "requested_by")
        .order_by("requested_at", "pk")
    )
    if permissions.blacklist_verification_allowed(user):
        return qs.filter(gm_approved_at__isnull=True)
    if permissions.blacklist_proposal_review_allowed(user):
        return qs.filter(manager_approved_at__isnull=True, entry__department_id=user.department_id)
    return qs.none()
