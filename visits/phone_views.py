"""The salesperson's phone screens of visits (issue 17): calendar, upcoming plans, the iCal
feed and its settings, customers near me, and the manager's confirmation of locations.

Scoped like every visits view: reads through visits.selectors / customer_list_for.
"""

from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from customers.selectors import customer_list_for

from . import calendar as cal
from . import checkin, permissions
from .models import CalendarFeed, CustomerLocation


def _anchor(raw: str | None, today: date) -> date:
    try:
        d = parse_date(raw or "") if raw and len(raw) == 10 else None
    except ValueError:
        d = None
    if d is None or not (date(2000, 1, 1) <= d <= date(2100, 12, 31)):
        return today
    return d


@login_required
def calendar(request):
    """周/月视图: plans and reports by day; missed plans flagged; a day's + plans a visit."""
    user, now = request.user, timezone.now()
    today = timezone.localdate(now)
    view = "week" if request.GET.get("view") == "week" else "month"
    anchor = _anchor(request.GET.get("day"), today)
    team = permissions.team_view_allowed(user) and request.GET.get("scope") != "mine"
    owner = request.GET.get("owner", "")
    owner_id = int(owner) if owner.isdigit() and team else None
    days = cal.calendar_days(user, view=view, anchor=anchor, now=now, team=team, owner_id=owner_id)
    if view == "week":
        prev_day, next_day = anchor - timedelta(days=7), anchor + timedelta(days=7)
    else:
        first = anchor.replace(day=1)
        prev_day = (first - timedelta(days=1)).replace(day=1)
        next_day = (first + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "visits/calendar.html",
        {
            "days": days,
            "weeks": [days[i : i + 7] for i in range(0, len(days), 7)],
            "view": view,
            "anchor": anchor,
            "today": today,
            "prev_day": prev_day,
            "next_day": next_day,
            "team": team,
            "owner": owner,
        },
    )


@login_required
def plans_upcoming(request):
    """即将进行的拜访 (no horizon) and 未执行 plans, mine or my team's."""
    user, now = request.user, timezone.now()
    team = permissions.team_view_allowed(user) and request.GET.get("scope") != "mine"
    upcoming = Paginator(cal.upcoming_plans(user, now=now, team=team).prefetch_related("visitors"), 30)
    missed = list(cal.missed_plans(user, now=now, team=team).prefetch_related("visitors")[:30])
    return render(
        request,
        "visits/plans_upcoming.html",
        {
            "page": upcoming.get_page(request.GET.get("page")),
            "missed": missed,
            "team": team,
            "today": timezone.localdate(now),
        },
    )


@login_required
def feed_settings(request):
    """日历订阅: the user's secret iCal address; make, renew or revoke it."""
    user = request.user
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            cal.calendar_feed_revoke(user=user)
            messages.success(
                request, _("The calendar address was revoked: calendars subscribed to it get nothing more.")
            )
        else:
            cal.calendar_feed_create(user=user)
            messages.success(request, _("A new calendar address was made; the previous one no longer works."))
        return redirect("visits:feed_settings")
    feed = CalendarFeed.objects.filter(user=user).first()
    url = settings.SITE_URL.rstrip("/") + reverse("visits:feed", args=[feed.token]) if feed else ""
    return render(request, "visits/feed_settings.html", {"feed": feed, "feed_url": url})


@never_cache
def feed(request, token):
    """The iCal feed of a secret address (no login: phone calendars cannot log in). Revoked: 404."""
    user = cal.feed_user(token)
    if user is None:
        raise Http404
    response = HttpResponse(
        cal.calendar_feed_ics(user=user, now=timezone.now()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="visits.ics"'
    return response


@login_required
def nearby(request):
    """附近客户: my customers with a confirmed location, nearest first (the phone sends lat/lng)."""
    user, now = request.user, timezone.now()
    rows, error, position = [], "", None
    try:
        position = checkin.position_parse(latitude=request.GET.get("lat"), longitude=request.GET.get("lng"))
    except checkin.CheckinError as exc:
        error = str(exc)
    if position is not None:
        rows = checkin.customers_near(user, position=position, today=timezone.localdate(now))
    return render(request, "visits/nearby.html", {"rows": rows, "position": position, "error": error})


@login_required
@require_POST
def location_confirm(request, customer_id):
    """The manager confirms the location a check-in proposed."""
    if not permissions.customer_location_confirm_allowed(request.user):
        raise PermissionDenied
    get_object_or_404(customer_list_for(request.user), pk=customer_id)
    try:
        checkin.customer_location_confirm(actor=request.user, customer_id=customer_id)
        messages.success(request, _("Location confirmed."))
    except checkin.CheckinError as exc:
        messages.error(request, str(exc))
    return redirect(reverse("visits:team") + "#locations")


@login_required
def location_set(request, customer_id):
    """The office types a customer's coordinates (assistant, manager)."""
    if not permissions.customer_location_set_allowed(request.user):
        raise PermissionDenied
    customer = get_object_or_404(customer_list_for(request.user).select_related("location"), pk=customer_id)
    error = ""
    if request.method == "POST":
        try:
            checkin.customer_location_set(
                actor=request.user,
                customer_id=customer.pk,
                latitude=request.POST.get("latitude"),
                longitude=request.POST.get("longitude"),
            )
        except checkin.CheckinError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Location saved."))
            return redirect("customers:detail", pk=customer.pk)
    try:
        location = customer.location
    except CustomerLocation.DoesNotExist:
        location = None
    latitude = (
        request.POST.get("latitude", "")[:30]
        if request.method == "POST"
        else (location.latitude if location else "")
    )
    longitude = (
        request.POST.get("longitude", "")[:30]
        if request.method == "POST"
        else (location.longitude if location else "")
    )
    return render(
        request,
        "visits/location_form.html",
        {
            "customer": customer,
            "location": location,
            "error": error,
            "latitude": latitude,
            "longitude": longitude,
        },
    )
