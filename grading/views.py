"""Grading screens: the evaluation sheet, proposals, incidents, the 分级评审 page.

Each view: parse (form) → one service or selector → message + redirect, or render. Customers
come through customer_get_for (the visibility rule): another salesperson's customer is a 404.
Approvals happen in the admin (grading.admin), where managers work.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.uploads import file_response
from customers.models import Customer, YearlyFigure
from customers.selectors import customer_get_for, customer_list_for

from . import permissions, selectors, services
from .forms import EvaluationForm, IncidentForm, ProposalForm
from .models import DemotionCase, Evaluation, GradeProposal, GradingPolicy, Incident, ProposalState, RoundKind
from .services.common import customer_url


def _customer(request, pk) -> Customer:
    try:
        return customer_get_for(request.user, pk)
    except Customer.DoesNotExist as exc:
        raise Http404 from exc


def _form_page(request, customer, form, *, title, submit, multipart=False, extra=None):
    return render(
        request,
        "grading/form.html",
        {
            "customer": customer,
            "form": form,
            "title": title,
            "submit": submit,
            "multipart": multipart,
            **(extra or {}),
        },
    )


@login_required
def evaluation_create(request, pk):
    customer = _customer(request, pk)
    if not permissions.evaluation_create_allowed(request.user):
        raise PermissionDenied
    policy = GradingPolicy.load()
    years = list(
        YearlyFigure.objects.filter(customer=customer).values_list("year", flat=True).order_by("-year")
    )
    form = EvaluationForm(request.POST or None, years=years, indicators=policy.indicator_list())
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = services.evaluation_create(
                actor=request.user,
                customer_id=customer.pk,
                period_year=form.cleaned_data["period_year"],
                scores=form.scores(),
                notes=form.cleaned_data["notes"],
            )
        except services.GradingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("Evaluation saved: suggested grade %(grade)s.") % {"grade": evaluation.suggested_grade},
            )
            return redirect("grading:evaluation", pk=evaluation.pk)
    return _form_page(
        request,
        customer,
        form,
        title=_("Customer quality grade evaluation"),
        submit=_("Save evaluation"),
        extra={"policy": policy, "sheet": True},
    )


@login_required
def evaluation_detail(request, pk):
    evaluation = get_object_or_404(
        Evaluation.objects.select_related("customer", "evaluated_by", "round"),
        pk=pk,
        customer__in=customer_list_for(request.user).values("pk"),
    )
    incidents = [{**i, "label": evaluation.incident_label(i["type"])} for i in evaluation.incidents or []]
    return render(
        request,
        "grading/evaluation_detail.html",
        {
            "evaluation": evaluation,
            "customer": evaluation.customer,
            "indicator_rows": evaluation.indicator_rows(),
            "incidents": incidents,
        },
    )


@login_required
def proposal_create(request, pk):
    customer = _customer(request, pk)
    if not permissions.proposal_create_allowed(request.user):
        raise PermissionDenied
    form = ProposalForm(
        request.POST or None, customer=customer, initial={"evaluation": request.GET.get("evaluation")}
    )
    if request.method == "POST" and form.is_valid():
        evaluation = form.cleaned_data["evaluation"]
        try:
            services.proposal_create(
                actor=request.user,
                customer_id=customer.pk,
                to_grade=form.cleaned_data["to_grade"],
                reason=form.cleaned_data["reason"],
                evaluation_id=evaluation.pk if evaluation else None,
            )
        except services.GradingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Grade change proposed; the approvers have been notified."))
            return redirect(customer_url(customer.pk) + "#panel-grading")
    return _form_page(request, customer, form, title=_("Propose a grade change"), submit=_("Propose"))


@login_required
@require_POST
def proposal_withdraw(request, pk):
    proposal = get_object_or_404(
        GradeProposal, pk=pk, customer__in=customer_list_for(request.user).values("pk")
    )
    try:
        services.proposal_withdraw(proposal_id=proposal.pk, actor=request.user)
    except services.GradingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Proposal withdrawn."))
    return redirect(customer_url(proposal.customer_id) + "#panel-grading")


@login_required
def incident_create(request, pk):
    customer = _customer(request, pk)
    if not permissions.incident_record_allowed(request.user):
        raise PermissionDenied
    form = IncidentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_record(
                actor=request.user, customer_id=customer.pk, **form.cleaned_data
            )
        except services.GradingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Incident recorded."))
            if DemotionCase.objects.filter(incident=incident).exists():
                messages.warning(
                    request, _("A demotion case is open: an A customer must be demoted within the deadline.")
                )
            return redirect(customer_url(customer.pk) + "#panel-grading")
    return _form_page(
        request, customer, form, title=_("Record an incident"), submit=_("Record"), multipart=True
    )


@login_required
def incident_evidence(request, pk):
    incident = get_object_or_404(Incident, pk=pk, customer__in=customer_list_for(request.user).values("pk"))
    if not incident.evidence:
        raise Http404
    return file_response(
        incident.evidence,
        name=incident.evidence_name or "evidence",
        content_type=incident.evidence_content_type,
    )


@login_required
@require_POST
def provisional_assign(request, pk):
    customer = _customer(request, pk)
    if not permissions.provisional_assign_allowed(request.user):
        raise PermissionDenied
    try:
        proposal = services.grade_provisional_assign(customer_id=customer.pk, actor=request.user)
    except services.GradingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Provisional grade %(grade)s assigned.") % {"grade": proposal.to_grade})
    return redirect(customer_url(customer.pk) + "#panel-grading")


@login_required
def review(request):
    """分级评审: the current round, its proposals by state, the grade distribution before/after."""
    if not permissions.review_view_allowed(request.user):
        raise PermissionDenied
    round_ = selectors.current_round()
    # Outside the policy's window a round is an interim review (临时评审), never the annual one.
    annual = services.review_window_open(today=timezone.localdate())
    kind = RoundKind.ANNUAL if annual else RoundKind.INTERIM
    if round_ is not None and round_.is_open and round_.kind == kind:
        start_label = _("Evaluate customers not yet in the round")
    else:
        start_label = _("Start the annual review") if annual else _("Start an interim review")
    context = {
        "round": round_,
        "can_start": permissions.review_round_start_allowed(request.user),
        "can_open_queue": permissions.proposal_queue_allowed(request.user),
        "start_label": start_label,
    }
    if round_ is not None:
        state = request.GET.get("state", "")
        proposals = (
            selectors.scope_by_department(GradeProposal.objects.filter(round=round_), request.user)
            .select_related("customer", "customer__department", "evaluation")
            .order_by("customer__name", "pk")
        )
        if state in ProposalState.values:
            proposals = proposals.filter(state=state)
        context.update(selectors.round_overview(request.user, round_))
        context.update({"page": Paginator(proposals, 50).get_page(request.GET.get("page")), "state": state})
    return render(request, "grading/review.html", context)


@login_required
@require_POST
def round_start(request):
    if not permissions.review_round_start_allowed(request.user):
        raise PermissionDenied
    try:
        summary = services.review_round_open(actor=request.user)
    except services.GradingError as exc:
        messages.error(request, str(exc))
    else:
        text = (
            _("Annual review %(round)d: %(evaluated)d customers evaluated, %(proposals)d changes proposed.")
            if summary["kind"] == RoundKind.ANNUAL
            else _("Interim review: %(evaluated)d customers evaluated, %(proposals)d changes proposed.")
        )
        messages.success(request, text % summary)
    return redirect("grading:review")
