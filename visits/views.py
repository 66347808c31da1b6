"""Screens of visits: 我的拜访, plans, the report form (phone first), the manager view, export.

Every view reads through the selectors, scoped by customer_list_for(user): a plan, report,
attachment or next step of a customer the user may not see is a 404.
"""

from datetime import UTC, datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.uploads import file_response
from crm.xlsx import xlsx_response
from customers.models import AccessAction, Contact, Customer
from customers.selectors import customer_list_for, customer_search
from customers.services import access_log_record, access_log_record_many
from surveys.selectors import response_for_visit_report

from . import permissions, selectors, services
from .checkin import CheckinError, position_parse, proposed_locations_for
from .forms import CancelPlanForm, ExportForm, VisitPlanForm, VisitReportForm
from .models import NextStep, PlanStatus, VisitAttachment, VisitPolicy, VisitPurpose
from .resources import visit_reports_xlsx


def _customer_from(request, user) -> Customer:
    raw = request.POST.get("customer") or request.GET.get("customer") or ""
    if not raw.isdigit():
        raise PermissionDenied  # the form is always opened for one customer
    return get_object_or_404(customer_list_for(user), pk=int(raw))


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@login_required
def mine(request):
    """我的拜访: today's and this week's plans, my overdue customers, next steps due, recent reports."""
    user, now = request.user, timezone.now()
    policy = VisitPolicy.load()
    start, tomorrow, _week_end = selectors.week_bounds(now)
    plans = list(selectors.my_upcoming_plans(user, now=now))
    overdue_page = Paginator(selectors.overdue_customers_for(user, now=now, policy=policy), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "visits/mine.html",
        {
            "today_plans": [p for p in plans if p.planned_at < tomorrow],
            "week_plans": [p for p in plans if p.planned_at >= tomorrow],
            "overdue_page": overdue_page,
            "steps": list(selectors.next_steps_due(user, now=now)[:30]),
            "recent": list(selectors.reports_for(user).filter(author=user)[:10]),
            "today": timezone.localdate(now),
        },
    )


PICK_PAGE_SIZE = 30


@login_required
def pick_customer(request):
    """Choose the customer of a new report or plan (issue 14.15).

    Every customer the user may see (a salesperson: own and shared), sorted by pinyin, a page
    at a time; the search matches name, short name, their pinyin and initials. Typing searches
    live (htmx swaps the result list only).
    """
    # "contact": 我的拜访's shortcut to the contact log (engagement:contact_create).
    target = request.GET.get("for") if request.GET.get("for") in ("plan", "contact") else "report"
    q = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    qs = customer_search(customer_list_for(request.user), q, user=request.user).order_by("name_pinyin", "id")
    page = Paginator(qs, PICK_PAGE_SIZE).get_page(request.GET.get("page"))
    day = request.GET.get("day", "")
    day = day if target == "plan" and len(day) == 10 and parse_date_safe(day) else ""
    template = (
        "visits/_pick_results.html" if request.headers.get("HX-Request") else "visits/pick_customer.html"
    )
    return render(
        request, template, {"page": page, "rows": page.object_list, "q": q, "target": target, "day": day}
    )


def parse_date_safe(raw: str):
    try:
        return parse_date(raw)
    except ValueError:
        return None


@login_required
def plan_create(request):
    user = request.user
    customer = _customer_from(request, user)
    now = timezone.now()
    initial = {}
    day = parse_date_safe(request.GET.get("day") or "") if len(request.GET.get("day") or "") == 10 else None
    if day is not None and day >= timezone.localdate(now):
        # From a day of the calendar: that day at 09:00 (one tap plans a visit).
        initial["planned_at"] = datetime.combine(day, time(9, 0), tzinfo=timezone.get_current_timezone())
    form = VisitPlanForm(request.POST or None, initial=initial, customer=customer, user=user, now=now)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.visit_plan_create(
                actor=user, customer_id=customer.pk, data=form.service_data(), now=now
            )
        except services.VisitError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Visit planned."))
            return redirect("visits:plan_detail", pk=plan.pk)
    blocked = _("“%(name)s” is on the blacklist: no new visit can be planned.") % {"name": customer.name}
    return render(
        request,
        "visits/plan_form.html",
        {
            "form": form,
            "customer": customer,
            "blocked": blocked if customer.is_blacklisted else "",
        },
    )


@login_required
def plan_detail(request, pk):
    plan = get_object_or_404(
        selectors.plans_for(request.user).prefetch_related("visitors", "contacts").select_related("report"),
        pk=pk,
    )
    return render(request, "visits/plan_detail.html", {"plan": plan, "cancel_form": CancelPlanForm()})


@login_required
@require_POST
def plan_confirm(request, pk):
    get_object_or_404(selectors.plans_for(request.user), pk=pk)
    try:
        services.visit_plan_confirm(actor=request.user, plan_id=pk)
        messages.success(request, _("Visit confirmed with the customer."))
    except services.VisitError as exc:
        messages.error(request, str(exc))
    return redirect(_safe_next(request, reverse("visits:plan_detail", args=[pk])))


@login_required
@require_POST
def plan_cancel(request, pk):
    get_object_or_404(selectors.plans_for(request.user), pk=pk)
    form = CancelPlanForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.visit_plan_cancel(actor=request.user, plan_id=pk, reason=reason)
        messages.success(request, _("Visit cancelled."))
    except services.VisitError as exc:
        messages.error(request, str(exc))
    return redirect("visits:plan_detail", pk=pk)


@login_required
def report_create(request):
    """写拜访报告: opened for one customer (and, when there is one, the plan it completes)."""
    user, now = request.user, timezone.now()
    customer = _customer_from(request, user)
    plan = None
    plan_raw = request.POST.get("plan") or request.GET.get("plan") or ""
    if plan_raw.isdigit():
        plan = get_object_or_404(
            selectors.plans_for(user)
            .filter(customer=customer, status__in=[PlanStatus.PLANNED, PlanStatus.CONFIRMED])
            .prefetch_related("contacts"),
            pk=int(plan_raw),
        )
    today = timezone.localdate(now)
    initial = {"visited_on": today}
    if plan is not None:
        planned_on = timezone.localdate(plan.planned_at)
        initial = {"visited_on": min(planned_on, today), "contacts": [c.pk for c in plan.contacts.all()]}
    if request.GET.get("purpose") == VisitPurpose.RETURN_VISIT:
        initial["purpose"] = VisitPurpose.RETURN_VISIT
    form = VisitReportForm(request.POST or None, initial=initial, customer=customer, user=user, now=now)
    if request.method == "POST" and form.is_valid():
        files = request.FILES.getlist("photos") + request.FILES.getlist("files")
        try:
            position = position_parse(
                latitude=request.POST.get("checkin_latitude"),
                longitude=request.POST.get("checkin_longitude"),
                accuracy=request.POST.get("checkin_accuracy"),
                at=_checkin_time(request.POST.get("checkin_at"), now),
            )
            report = services.visit_report_create(
                author=user,
                customer_id=customer.pk,
                data=form.service_data(),
                plan_id=plan.pk if plan else None,
                attachments=files,
                now=now,
                checkin=position,
                purpose=form.cleaned_data["purpose"],
                satisfaction=form.satisfaction(),
            )
        except (services.VisitError, CheckinError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Visit report saved."))
            return redirect("visits:report_detail", pk=report.pk)
    return render(
        request,
        "visits/report_form.html",
        {
            "form": form,
            "customer": customer,
            "plan": plan,
            "draft_key": f"visit-report:{user.pk}:{customer.pk}:{plan.pk if plan else 0}",
            "checkin_values": [(name, request.POST.get(name, "")[:40]) for name in CHECKIN_FIELDS],
        },
    )


CHECKIN_FIELDS = ("checkin_latitude", "checkin_longitude", "checkin_accuracy", "checkin_at")


def _checkin_time(raw: str | None, now):
    """When the phone took the position (milliseconds since 1970, from JS); never in the future."""
    try:
        at = datetime.fromtimestamp(int(raw) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return min(at, now)


@login_required
def report_detail(request, pk):
    report = get_object_or_404(
        selectors.reports_for(request.user).prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.order_by("name")),
            "next_steps__owner",
            "attachments",
        ),
        pk=pk,
    )
    return render(
        request,
        "visits/report_detail.html",
        {
            "report": report,
            "satisfaction": response_for_visit_report(report.pk)
            if report.purpose == VisitPurpose.RETURN_VISIT
            else None,
            "draft_key": f"visit-report:{report.author_id}:{report.customer_id}:{report.plan_id or 0}",
            "today": timezone.localdate(),
        },
    )


@login_required
def attachment_download(request, pk):
    att = get_object_or_404(
        VisitAttachment.objects.filter(report__customer__in=customer_list_for(request.user)).select_related(
            "report__customer"
        ),
        pk=pk,
    )
    access_log_record(
        user=request.user,
        customer=att.report.customer,
        action=AccessAction.DOWNLOAD,
        detail=f"visit attachment {att.original_name}",
    )
    return file_response(att.file, name=att.original_name, content_type=att.content_type, inline=att.is_image)


@login_required
@require_POST
def next_step_done(request, pk):
    try:
        services.next_step_complete(actor=request.user, step_id=pk)
    except NextStep.DoesNotExist as exc:
        raise Http404 from exc
    messages.success(request, _("Next step done."))
    return redirect(_safe_next(request, reverse("visits:mine")))


@login_required
def team(request):
    """Manager view: overdue customers by salesperson, visits this month, cadence compliance."""
    user, now = request.user, timezone.now()
    if not permissions.team_view_allowed(user):
        raise PermissionDenied
    policy = VisitPolicy.load()
    summary = selectors.team_summary(user, now=now, policy=policy)
    overdue = selectors.overdue_customers(
        customer_list_for(user), today=timezone.localdate(now), policy=policy
    )
    owner = request.GET.get("owner", "")
    if owner.isdigit():
        overdue = overdue.filter(owner_id=int(owner))
    overdue = overdue.order_by("owner__username", "due_day", "pk")
    page = Paginator(overdue, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "visits/team.html",
        {
            "summary": summary,
            "page": page,
            "owner": owner,
            "export_form": ExportForm(),
            "flagged": list(selectors.flagged_checkins(user, since=summary["month_start"])[:50]),
            "proposed_locations": list(proposed_locations_for(user)[:50]),
        },
    )


@login_required
def export(request):
    """Visit reports to xlsx (assistants, managers, 总经办), formula-safe, logged for confidential archives."""
    user = request.user
    if not permissions.visits_export_allowed(user):
        raise PermissionDenied
    form = ExportForm(request.GET or None)
    qs = selectors.reports_for(user)
    if form.is_valid():
        if form.cleaned_data["date_from"]:
            qs = qs.filter(visited_on__gte=form.cleaned_data["date_from"])
        if form.cleaned_data["date_to"]:
            qs = qs.filter(visited_on__lte=form.cleaned_data["date_to"])
    content, customers = visit_reports_xlsx(qs)
    access_log_record_many(user=user, customers=customers, action=AccessAction.EXPORT, detail="visit reports")
    return xlsx_response(content, name=_("Visit reports"))
