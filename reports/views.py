"""Screens of periodic reports, the development plan and the printable forms."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.dashboards.chartjs import chart_config
from crm.dashboards.registry import ChartData

from . import permissions, plans, selectors, services
from .documents import periodic_report_form
from .forms import PlanForm, PlanTargetFormSet, ReportFilterForm, ReportForm, ReviewForm
from .models import PlanDimension, ReportStatus
from .printing import pdf_response, print_response


def _require_reports(user):
    if not permissions.reports_view_allowed(user):
        raise PermissionDenied


@login_required
def report_list(request):
    _require_reports(request.user)
    form = ReportFilterForm(request.GET or None)
    qs = selectors.reports_for(request.user)
    if form.is_valid() and form.cleaned_data.get("status"):
        qs = qs.filter(status=form.cleaned_data["status"])
    reports = list(qs[:200])
    today = timezone.localdate()
    for r in reports:
        r.title = services.report_title(r)
        r.is_overdue = r.is_editable and r.due_on < today
    return render(request, "reports/list.html", {"reports": reports, "form": form})


@login_required
def report_detail(request, pk):
    _require_reports(request.user)
    report = selectors.report_get_for(request.user, pk)
    user = request.user
    may_submit = permissions.report_submit_allowed(user, report) and report.is_editable
    form = ReportForm(
        request.POST or None,
        initial={"commentary": report.commentary, "problems": report.problems, "measures": report.measures},
    )
    if request.method == "POST":
        if not may_submit:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.report_save(
                    actor=user,
                    report_id=report.pk,
                    commentary=d["commentary"],
                    problems=d["problems"],
                    measures=d["measures"],
                    submit="submit" in request.POST,
                    now=timezone.now(),
                )
            except services.ReportError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    _("The report is submitted.") if "submit" in request.POST else _("The report is saved."),
                )
                return redirect("reports:detail", report.pk)
    elif report.is_editable:
        # Figures are live until the report is submitted.
        report = services.report_refresh(report_id=report.pk, now=timezone.now())
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "title": services.report_title(report),
            "form": form,
            "may_submit": may_submit,
            "may_review": permissions.report_review_allowed(user, report)
            and report.status == ReportStatus.SUBMITTED,
            "review_form": ReviewForm(),
        },
    )


def _decide(request, pk, fn, success):
    _require_reports(request.user)
    report = selectors.report_get_for(request.user, pk)
    if not permissions.report_review_allowed(request.user, report):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    form.is_valid()
    try:
        fn(
            actor=request.user,
            report_id=report.pk,
            comment=form.cleaned_data.get("comment", ""),
            now=timezone.now(),
        )
    except services.ReportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("reports:detail", report.pk)


@login_required
@require_POST
def report_approve(request, pk):
    return _decide(request, pk, services.report_approve, _("The report is approved."))


@login_required
@require_POST
def report_return(request, pk):
    return _decide(request, pk, services.report_return, _("The report is returned to its submitter."))


@login_required
def report_print(request, pk):
    _require_reports(request.user)
    report = selectors.report_get_for(request.user, pk)
    return print_response(
        request,
        periodic_report_form(report, title=services.report_title(report)),
        pdf_url=reverse("reports:pdf", args=[report.pk]),
    )


@login_required
def report_pdf(request, pk):
    _require_reports(request.user)
    report = selectors.report_get_for(request.user, pk)
    return pdf_response(periodic_report_form(report, title=services.report_title(report)))


# --- The development plan (§11) ---------------------------------------------------------------


@login_required
def plan(request):
    """Plan against actual for the user's department, or every department for 总经办."""
    if not permissions.plans_view_allowed(request.user):
        raise PermissionDenied
    year = _year_from(request)
    results = [plans.plan_vs_actual(p) for p in plans.plans_for(request.user, year=year)]
    charts = {}
    for i, result in enumerate(results):
        rows = [r for r in result["rows"] if not r["is_share"]]
        if rows:
            charts[f"plan-chart-{i}"] = chart_config(
                ChartData(
                    kind="bar",
                    label_title=_("Target"),
                    labels=[f"{r['dimension']}·{r['label']}" for r in rows],
                    series=[
                        (_("Target"), [r["target"].target_count for r in rows]),
                        (_("Actual"), [r["actual"] for r in rows]),
                    ],
                    horizontal=True,
                )
            )
            result["chart_id"] = f"plan-chart-{i}"
    user = request.user
    may_edit = permissions.plan_edit_allowed(user, user.department_id) and services.plan_year_editable(
        year, now=timezone.now()
    )
    return render(
        request,
        "reports/plan.html",
        {"results": results, "year": year, "charts": charts, "may_edit": may_edit},
    )


def _year_from(request) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        raise Http404 from None
    if not 2000 <= year <= 2100:
        raise Http404
    return year


@login_required
def plan_edit(request):
    """The department head sets the department's plan for a year: one table of targets (§11).

    A past year's plan is shown read-only; the rules are in services.plan_save.
    """
    user = request.user
    if not permissions.plan_edit_allowed(user, user.department_id):
        raise PermissionDenied
    year, now = _year_from(request), timezone.now()
    plan = plans.plans_for(user, year=year).filter(department_id=user.department_id).first()
    editable = services.plan_year_editable(year, now=now)
    rows = plans.plan_edit_rows(user.department_id, plan)
    data = request.POST if request.method == "POST" and editable else None
    form = PlanForm(data, initial={"notes": plan.notes if plan else ""})
    formset = PlanTargetFormSet(data, initial=rows, prefix="t")
    if data is not None and form.is_valid() and formset.is_valid():
        try:
            services.plan_save(
                actor=user,
                department_id=user.department_id,
                year=year,
                notes=form.cleaned_data["notes"],
                targets=[t for t in (f.target() for f in formset) if t is not None],
                now=now,
            )
        except services.ReportError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The development plan is saved."))
            return redirect(f"{reverse('reports:plan')}?year={year}")
    if not editable:
        for f in formset:
            for field in f.fields.values():
                field.disabled = True
    groups = {}
    for f in formset:
        groups.setdefault(f.initial["dimension"], []).append(f)
    return render(
        request,
        "reports/plan_edit.html",
        {
            "year": year,
            "plan": plan,
            "form": form,
            "formset": formset,
            "groups": [(PlanDimension(d).label, d, group) for d, group in groups.items()],
            "editable": editable,
            "industries": plans.department_industries(user.department_id),
        },
    )


@login_required
def plan_customers(request, pk):
    """The customers behind one actual count of the plan (the same queryset that counted them)."""
    if not permissions.plans_view_allowed(request.user):
        raise PermissionDenied
    target = plans.target_get_for(request.user, pk)
    customers = (
        plans.actual_customers(target.plan, target.dimension, target.key)
        .select_related("owner")
        .order_by("name")
    )
    return render(request, "reports/plan_customers.html", {"target": target, "customers": customers})
