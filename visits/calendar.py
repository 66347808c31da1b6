"""The visit calendar (issues 17, 14.12): week and month views, missed plans, the iCal feed.

A plan is missed (未执行) when it is still planned or confirmed after the day it was planned
for has ended: the report of a visit is often written in the evening, so the plan's hour alone
does not make it missed. Salespeople see the plans they visit and the reports they wrote;
a manager (and 总经办) sees the team's, i.e. every plan and report of the customers they may see.
"""

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from crm.models import User
from crm.services import audit_record

from . import permissions
from .models import CalendarFeed, PlanStatus, VisitPlan, VisitReport
from .selectors import plans_for, reports_for

OPEN = (PlanStatus.PLANNED, PlanStatus.CONFIRMED)
FEED_PAST_DAYS = 30


def day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=timezone.get_current_timezone())


def missed_condition(*, now: datetime) -> Q:
    """Open plans whose planned day has ended (未执行)."""
    return Q(status__in=OPEN, planned_at__lt=day_start(timezone.localdate(now)))


def calendar_plans(user: User, *, team: bool = False, owner_id: int | None = None) -> QuerySet[VisitPlan]:
    """Plans on the user's calendar: theirs (as a visitor), or the team's for a manager."""
    qs = plans_for(user)
    if team and permissions.team_view_allowed(user):
        if owner_id:
            qs = qs.filter(Q(visitors__pk=owner_id) | Q(customer__owner_id=owner_id)).distinct()
    else:
        qs = qs.filter(visitors=user)
    return qs


def calendar_reports(user: User, *, team: bool = False, owner_id: int | None = None) -> QuerySet[VisitReport]:
    qs = reports_for(user)
    if team and permissions.team_view_allowed(user):
        if owner_id:
            qs = qs.filter(author_id=owner_id)
    else:
        qs = qs.filter(author=user)
    return qs


def upcoming_plans(user: User, *, now: datetime, team: bool = False) -> QuerySet[VisitPlan]:
    """Open plans from today on, soonest first (the upcoming list; no horizon)."""
    return (
        calendar_plans(user, team=team)
        .filter(status__in=OPEN, planned_at__gte=day_start(timezone.localdate(now)))
        .order_by("planned_at", "pk")
    )


def missed_plans(user: User, *, now: datetime, team: bool = False) -> QuerySet[VisitPlan]:
    return calendar_plans(user, team=team).filter(missed_condition(now=now)).order_by("-planned_at", "-pk")


@dataclass
class Day:
    on: date
    in_month: bool = True
    plans: list = field(default_factory=list)
    reports: list = field(default_factory=list)


def calendar_range(*, view: str, anchor: date) -> tuple[date, date]:
    """First and last day shown: the ISO week of `anchor`, or whole weeks covering its month."""
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        return first, first + timedelta(days=6)
    month_first = anchor.replace(day=1)
    next_month = (month_first + timedelta(days=32)).replace(day=1)
    first = month_first - timedelta(days=month_first.weekday())
    last_of_month = next_month - timedelta(days=1)
    return first, last_of_month + timedelta(days=6 - last_of_month.weekday())


def calendar_days(
    user: User, *, view: str, anchor: date, now: datetime, team: bool = False, owner_id: int | None = None
) -> list[Day]:
    """The days of the view with their plans and reports. Two queries whatever the range."""
    first, last = calendar_range(view=view, anchor=anchor)
    days = {
        first + timedelta(days=i): Day(on=first + timedelta(days=i)) for i in range((last - first).days + 1)
    }
    if view == "month":
        for d in days.values():
            d.in_month = d.on.month == anchor.month
    today_start = day_start(timezone.localdate(now))
    plans = (
        calendar_plans(user, team=team, owner_id=owner_id)
        .filter(planned_at__gte=day_start(first), planned_at__lt=day_start(last + timedelta(days=1)))
        .exclude(status=PlanStatus.CANCELLED)
        .order_by("planned_at", "pk")
    )
    for plan in plans:
        plan.is_missed = plan.status in OPEN and plan.planned_at < today_start
        days[timezone.localdate(plan.planned_at)].plans.append(plan)
    reports = calendar_reports(user, team=team, owner_id=owner_id).filter(
        visited_on__gte=first, visited_on__lte=last
    )
    for report in reports.order_by("visited_on", "pk"):
        days[report.visited_on].reports.append(report)
    return list(days.values())


# --- The iCal feed ------------------------------------------------------------------------------


def calendar_feed_create(*, user: User) -> CalendarFeed:
    """Make (or renew) the user's secret feed address; the previous address stops working."""
    with transaction.atomic():
        feed, _created = CalendarFeed.objects.update_or_create(
            user=user, defaults={"token": secrets.token_urlsafe(32)}
        )
        audit_record(actor=user, action="visits.calendar_feed.created", target=user)
    return feed


def calendar_feed_revoke(*, user: User) -> int:
    """Revoke the user's feed address: it answers 404 from now on."""
    with transaction.atomic():
        deleted, _detail = CalendarFeed.objects.filter(user=user).delete()
        if deleted:
            audit_record(actor=user, action="visits.calendar_feed.revoked", target=user)
    return deleted


def feed_user(token: str) -> User | None:
    feed = CalendarFeed.objects.filter(token=token).select_related("user").first() if token else None
    if feed is None or not feed.user.is_active:
        return None
    return feed.user


def calendar_feed_ics(*, user: User, now: datetime) -> bytes:
    """The user's plans (from 30 days ago on, cancelled ones left out) as an iCalendar file."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//CRM//visits//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "拜访计划")
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    plans = (
        calendar_plans(user)
        .filter(planned_at__gte=now - timedelta(days=FEED_PAST_DAYS))
        .exclude(status=PlanStatus.CANCELLED)
        .order_by("planned_at", "pk")
    )
    site = settings.SITE_URL.rstrip("/")
    for plan in plans:
        event = Event()
        link = site + reverse("visits:plan_detail", args=[plan.pk])
        customer = plan.customer
        event.add("uid", f"visit-plan-{plan.pk}@crm")
        event.add("dtstamp", now)
        event.add("dtstart", plan.planned_at)
        event.add("dtend", plan.planned_at + timedelta(hours=1))
        event.add("summary", f"拜访 {customer.short_name or customer.name}：{plan.purpose}")
        if customer.address:
            event.add("location", customer.address)
        event.add("description", "\n".join(filter(None, [customer.name, plan.purpose, plan.content, link])))
        event.add("url", link)
        event.add("status", "CONFIRMED" if plan.status == PlanStatus.CONFIRMED else "TENTATIVE")
        cal.add_component(event)
    return cal.to_ical()
