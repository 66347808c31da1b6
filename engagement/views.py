"""Screens of key accounts: the contact form (phone first), the cadence drill-down, the
greetings, the customer meetings, and the manager's tier and account-manager actions.

Every view is scoped by customer_list_for(user): another user's customer is a 404.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.models import CustomerTier
from customers.selectors import customer_list_for

from . import permissions, selectors, services
from .forms import ContactRecordForm, MeetingForm, TierForm
from .models import CadenceReminderState, CadenceWho, ContactMode, TierProposal


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


@login_required
def contact_create(request):
    """Log a call, WeChat, e-mail or meeting: mode, person, what was said, next step (phone first)."""
    if not permissions.contact_log_allowed(request.user):
        raise PermissionDenied
    pk = _int(request.POST.get("customer") or request.GET.get("customer"))
    if pk is None:
        raise Http404
    customer = get_object_or_404(customer_list_for(request.user), pk=pk)
    done_url = _safe_next(request, reverse("customers:detail", args=[customer.pk]))
    form = ContactRecordForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.contact_record_create(
                actor=request.user,
                customer_id=customer.pk,
                mode=data["mode"],
                summary=data["summary"],
                contact_id=data["contact"].pk if data["contact"] else None,
                next_step=data["next_step"],
                next_step_on=data["next_step_on"],
            )
        except services.EngagementError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Contact recorded."))
            return redirect(done_url)
    return render(
        request, "engagement/contact_form.html", {"form": form, "customer": customer, "next": done_url}
    )


@login_required
def cadence(request):
    """Due and overdue contacts by the cadence (the reminders' link and the compliance drill-down)."""
    if not permissions.cadence_view_allowed(request.user):
        raise PermissionDenied
    g = request.GET
    state = g.get("state") if g.get("state") in ("due", "overdue", "all") else CadenceReminderState.OVERDUE
    tier = g.get("tier") if g.get("tier") in CustomerTier.values else ""
    who = g.get("who") if g.get("who") in CadenceWho.values else ""
    rows = selectors.cadence_rows(
        request.user,
        now=timezone.now(),
        state="" if state == "all" else state,
        tier=tier,
        who=who,
        department_id=_int(g.get("department")),
        person_id=_int(g.get("person")),
    )
    return render(
        request,
        "engagement/cadence.html",
        {
            "rows": rows,
            "state": state,
            "tier": tier,
            "who": who,
            "tiers": CustomerTier.choices,
            "whos": CadenceWho.choices,
            "limit": selectors.DRILL_ROWS,
            "perms_greetings": permissions.greetings_view_allowed(request.user),
            "compliance": selectors.compliance_summary(request.user, now=timezone.now())
            if permissions.compliance_view_allowed(request.user)
            else None,
        },
    )


@login_required
def key_accounts_unassigned(request):
    """专员专管: the key accounts without an account manager (the manager names one)."""
    if not permissions.unassigned_key_accounts_view_allowed(request.user):
        raise PermissionDenied
    customers = list(selectors.key_accounts_without_manager(request.user)[:500])
    return render(request, "engagement/unassigned.html", {"customers": customers})


@login_required
@require_POST
def tier_set(request, customer_pk):
    customer = get_object_or_404(customer_list_for(request.user), pk=customer_pk)
    if not permissions.tier_set_allowed(request.user, customer):
        raise PermissionDenied
    form = TierForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a tier and give the reason."))
    else:
        try:
            result = services.customer_tier_set(
                actor=request.user,
                customer_id=customer.pk,
                to_tier=form.cleaned_data["tier"],
                reason=form.cleaned_data["reason"],
            )
        except services.EngagementError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("Sent to the general manager's office for approval.")
                if isinstance(result, TierProposal)
                else _("Tier changed."),
            )
    return redirect(reverse("customers:detail", args=[customer.pk]) + "#panel-keyaccount")


@login_required
@require_POST
def account_manager_set(request, customer_pk):
    customer = get_object_or_404(customer_list_for(request.user), pk=customer_pk)
    if not permissions.account_manager_set_allowed(request.user, customer):
        raise PermissionDenied
    try:
        services.customer_account_manager_set(
            actor=request.user,
            customer_id=customer.pk,
            account_manager_id=_int(request.POST.get("account_manager")),
        )
    except services.EngagementError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Account manager saved."))
    return redirect(
        _safe_next(request, reverse("customers:detail", args=[customer.pk]) + "#panel-keyaccount")
    )


@login_required
def greetings(request):
    """The greetings due in the next days for my customers' contacts; mark one as sent."""
    if not permissions.greetings_view_allowed(request.user):
        raise PermissionDenied
    now = timezone.now()
    mine = customer_list_for(request.user).filter(owner=request.user)
    occasions = services.greeting_occasions(now=now, customers=mine)
    sent = services.greetings_recorded(occasions)
    rows = [
        {"occasion": o, "items": [(c, (o.code, o.on, c.pk) in sent) for c in o.contacts]} for o in occasions
    ]
    return render(request, "engagement/greetings.html", {"rows": rows})


@login_required
@require_POST
def greeting_sent(request):
    if not permissions.greetings_view_allowed(request.user):
        raise PermissionDenied
    contact_id = _int(request.POST.get("contact"))
    try:
        on = date.fromisoformat(request.POST.get("on") or "")
    except ValueError:
        on = None
    if contact_id is None or on is None:
        messages.error(request, _("Choose the greeting to mark."))
        return redirect("engagement:greetings")
    try:
        services.greeting_mark_sent(
            actor=request.user,
            contact_id=contact_id,
            occasion=request.POST.get("occasion", ""),
            on=on,
            mode=request.POST.get("mode") or ContactMode.WECHAT,
        )
    except services.EngagementError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Greeting recorded as a contact."))
    return redirect("engagement:greetings")


@login_required
def meetings(request):
    """The customer meetings (订货会/交流会) of the department; record a new one."""
    user = request.user
    if not permissions.meeting_view_allowed(user):
        raise PermissionDenied
    can_add = permissions.meeting_manage_allowed(user)
    form = MeetingForm(request.POST or None)
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        if form.is_valid():
            try:
                meeting = services.customer_meeting_create(actor=user, data=form.cleaned_data)
            except services.EngagementError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Meeting recorded."))
                return redirect("engagement:meeting_detail", pk=meeting.pk)
    year = timezone.localdate().year
    return render(
        request,
        "engagement/meetings.html",
        {
            "meetings": list(selectors.meetings_for(user)[:100]),
            "form": form,
            "can_add": can_add,
            "without": selectors.departments_without_meeting(user, year=year),
            "year": year,
        },
    )


@login_required
def meeting_detail(request, pk):
    user = request.user
    if not permissions.meeting_view_allowed(user):
        raise PermissionDenied
    meeting = get_object_or_404(selectors.meetings_for(user), pk=pk)
    can_manage = permissions.meeting_manage_allowed(user, meeting.department_id)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        try:
            if request.POST.get("action") == "invite":
                added = services.customer_meeting_invite(actor=user, meeting_id=meeting.pk)
                messages.success(request, _("%(count)d customers invited.") % {"count": added})
            else:
                came = services.customer_meeting_attendance_set(
                    actor=user, meeting_id=meeting.pk, attended_ids=request.POST.getlist("came")
                )
                messages.success(request, _("Attendance saved: %(count)d came.") % {"count": came})
        except services.EngagementError as exc:
            messages.error(request, str(exc))
        return redirect("engagement:meeting_detail", pk=meeting.pk)
    invitations = list(meeting.invitations.select_related("customer"))
    return render(
        request,
        "engagement/meeting_detail.html",
        {
            "meeting": meeting,
            "invitations": invitations,
            "can_manage": can_manage,
            "came": sum(i.attended for i in invitations),
        },
    )
