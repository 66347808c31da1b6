"""Survey screens: rounds for managers, recording an answer, and the public one-time link page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from customers.selectors import customer_list_for

from . import permissions, selectors, services
from .forms import RecordForm, RoundForm, ScoresForm
from .models import SurveyInvitation, SurveyPolicy


@login_required
def round_list(request):
    if not permissions.rounds_view_allowed(request.user):
        raise PermissionDenied
    user = request.user
    form = RoundForm(request.POST or None, user=user)
    if request.method == "POST":
        if not permissions.round_open_allowed(user):
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            department_id = d["department"].pk if d.get("department") else user.department_id
            try:
                round_ = services.survey_round_open(
                    actor=user,
                    department_id=department_id,
                    title=d["title"],
                    grades=d["grades"],
                    tiers=d["tiers"],
                    closes_on=d["closes_on"],
                    now=timezone.now(),
                )
            except services.SurveyError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The survey round is open."))
                return redirect("surveys:round_detail", round_.pk)
    rounds = selectors.rounds_for(user)[:50]
    return render(
        request,
        "surveys/rounds.html",
        {"rounds": rounds, "form": form, "may_open": permissions.round_open_allowed(user)},
    )


@login_required
def round_detail(request, pk):
    if not permissions.rounds_view_allowed(request.user):
        raise PermissionDenied
    round_ = get_object_or_404(selectors.rounds_for(request.user), pk=pk)
    invitations = (
        SurveyInvitation.objects.filter(round=round_)
        .select_related("customer")
        .order_by("answered_at", "customer__name")
    )
    return render(
        request,
        "surveys/round_detail.html",
        {
            "round": round_,
            "summary": selectors.round_summary(round_),
            "invitations": invitations,
            "now": timezone.now(),
        },
    )


@login_required
def response_record(request, customer_pk):
    if not permissions.response_record_allowed(request.user):
        raise PermissionDenied
    customer = get_object_or_404(customer_list_for(request.user), pk=customer_pk)
    questions = selectors.active_questions()
    form = RecordForm(
        request.POST or None, questions=questions, initial={"source": request.GET.get("source") or "visit"}
    )
    if request.method == "POST" and form.is_valid():
        visit_report_id = request.GET.get("visit_report")
        try:
            services.survey_response_record(
                actor=request.user,
                customer_id=customer.pk,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
                source=form.cleaned_data["source"],
                visit_report_id=int(visit_report_id)
                if visit_report_id and visit_report_id.isdigit()
                else None,
                now=timezone.now(),
            )
        except services.SurveyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The customer's satisfaction is recorded."))
            return redirect("customers:detail", customer.pk)
    return render(request, "surveys/record.html", {"customer": customer, "form": form})


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _rate_key(request) -> str:
    return f"surveys:link:{_client_ip(request)}:{timezone.now():%Y%m%d%H}"


def _rate_limited(request) -> bool:
    """Has this address used up its policy.link_attempts_per_hour (guesses and answers)?"""
    return (cache.get(_rate_key(request)) or 0) >= SurveyPolicy.load().link_attempts_per_hour


def _rate_count(request) -> None:
    key = _rate_key(request)
    cache.add(key, 0, timeout=3600)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)


@never_cache
@csrf_protect
def public_answer(request, token):
    """The customer's page: no login, no menu, no link anywhere else; one answer per token.

    Rate limit: an unknown token (a guess) and every POST count against the address's hourly
    allowance; opening a valid link does not, so a customer re-opening it is never refused.
    """
    if _rate_limited(request):
        return render(request, "surveys/public.html", {"state": "limited"}, status=429)
    now = timezone.now()
    invitation = services.invitation_for_token(token)
    state = services.invitation_state(invitation, now=now)
    if state == "unknown" or request.method == "POST":
        _rate_count(request)
    if state != "open":
        return render(
            request, "surveys/public.html", {"state": state}, status=404 if state == "unknown" else 410
        )
    questions = selectors.active_questions()
    form = ScoresForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_link_answer(
                token=token,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
                now=now,
                ip_address=_client_ip(request),
            )
        except services.SurveyError as exc:
            return render(request, "surveys/public.html", {"state": "error", "error": str(exc)}, status=410)
        return render(request, "surveys/public.html", {"state": "thanks"})
    return render(request, "surveys/public.html", {"state": "open", "form": form, "invitation": invitation})


def public_url(request, invitation: SurveyInvitation) -> str:
    return request.build_absolute_uri(reverse("surveys:answer", args=[invitation.token]))
