"""Screens of the blacklist: report form, entry detail with its actions, re-admission, the report."""

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
from crm.xlsx import xlsx_response
from customers.selectors import customer_list_for
from customers.services import access_log_record_many

from . import permissions, selectors, services
from .exports import report_workbook, wan_yuan
from .forms import (
    ApproveForm,
    CommentRequiredForm,
    EntryReportForm,
    ReadmissionForm,
    ReportFilterForm,
    SubmitForm,
)
from .models import BlacklistEvidence, BlacklistPolicy, EntryState, ReadmissionRequest, ReadmissionState
from .services import BlacklistError

REPORT_PAGE_SIZE = 50


def _entry_or_404(user, pk):
    try:
        return selectors.entry_get_for(user, pk)
    except selectors.BlacklistEntry.DoesNotExist as exc:
        raise Http404 from exc


@login_required
def entry_create(request, customer_pk):
    """上报 (manager) or propose (salesperson, own customer) a blacklist entry."""
    if not permissions.blacklist_entry_report_allowed(request.user):
        raise PermissionDenied
    customer = get_object_or_404(customer_list_for(request.user), pk=customer_pk)
    form = EntryReportForm(request.POST or None, request.FILES or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.blacklist_entry_report(
                actor=request.user,
                customer_id=customer.pk,
                evidence=form.cleaned_data["evidence"],
                incident_ids=[i.pk for i in form.cleaned_data.get("incidents") or []],
                **{
                    f: form.cleaned_data[f]
                    for f in ("reason_category", "reason", "loss_amount", "loss_description")
                },
            )
        except BlacklistError as exc:
            messages.error(request, str(exc))
        else:
            if entry.awaiting_manager:
                messages.success(request, _("Proposal sent to your manager."))
            else:
                messages.success(request, _("Reported to 总经办 for verification."))
            return redirect("blacklist:entry_detail", pk=entry.pk)
    return render(request, "blacklist/entry_form.html", {"form": form, "customer": customer})


@login_required
def entry_detail(request, pk):
    entry = _entry_or_404(request.user, pk)
    user = request.user
    now = timezone.now()
    today = timezone.localdate(now)
    evidence = list(entry.evidence.select_related("uploaded_by"))
    readmissions = list(
        entry.readmissions.select_related(
            "requested_by", "gm_approved_by", "manager_approved_by", "rejected_by"
        )
    )
    pending = next((r for r in readmissions if r.state == ReadmissionState.PENDING), None)
    longest = services.validity_end(starts_on=today) if entry.state == EntryState.REPORTED else None
    if pending is not None:
        pending.entry = entry
    can = {
        "submit": permissions.blacklist_entry_submit_allowed(user, entry),
        "approve": permissions.blacklist_entry_approve_allowed(user, entry),
        "reject": permissions.blacklist_entry_reject_allowed(user, entry),
        "request_readmission": pending is None
        and permissions.blacklist_readmission_request_allowed(user, entry),
        "approve_readmission": pending is not None
        and permissions.blacklist_readmission_approve_allowed(user, pending),
    }
    return render(
        request,
        "blacklist/entry_detail.html",
        {
            "entry": entry,
            "evidence": evidence,
            "readmissions": readmissions,
            "pending": pending,
            "can": can,
            "today": today,
            "days_remaining": entry.days_remaining(today),
            "approve_form": ApproveForm(today=today, longest=longest),
            "longest": longest,
            "reject_form": CommentRequiredForm(),
            "submit_form": SubmitForm(initial={"loss_amount": entry.loss_amount}) if can["submit"] else None,
        },
    )


def _run(request, fn, success: str, **kwargs):
    try:
        fn(actor=request.user, **kwargs)
    except BlacklistError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)


@login_required
@require_POST
def entry_submit(request, pk):
    entry = _entry_or_404(request.user, pk)
    form = SubmitForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect("blacklist:entry_detail", pk=entry.pk)
    _run(
        request,
        services.blacklist_entry_submit,
        _("Submitted to 总经办 for verification."),
        entry_id=entry.pk,
        comment=form.cleaned_data["comment"],
        loss_amount=form.cleaned_data["loss_amount"],
        evidence=form.cleaned_data["evidence"],
    )
    return redirect("blacklist:entry_detail", pk=entry.pk)


@login_required
@require_POST
def entry_approve(request, pk):
    entry = _entry_or_404(request.user, pk)
    today = timezone.localdate()
    form = ApproveForm(request.POST, today=today, longest=services.validity_end(starts_on=today))
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect("blacklist:entry_detail", pk=entry.pk)
    _run(
        request,
        services.blacklist_entry_approve,
        _("Approved: the entry is active."),
        entry_id=entry.pk,
        ends_on=form.cleaned_data["ends_on"],
        comment=form.cleaned_data["comment"],
    )
    return redirect("blacklist:entry_detail", pk=entry.pk)


@login_required
@require_POST
def entry_reject(request, pk):
    entry = _entry_or_404(request.user, pk)
    form = CommentRequiredForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a comment when rejecting."))
    else:
        _run(
            request,
            services.blacklist_entry_reject,
            _("Rejected."),
            entry_id=entry.pk,
            comment=form.cleaned_data["comment"],
        )
    return redirect("blacklist:entry_detail", pk=entry.pk)


@login_required
def evidence_download(request, pk):
    """Evidence is served only to those who may see the entry's customer (files live outside the web root)."""
    ev = get_object_or_404(
        BlacklistEvidence.objects.select_related("entry"),
        pk=pk,
        entry__customer__in=customer_list_for(request.user).values("pk"),
    )
    return file_response(ev.file, name=ev.original_name, content_type=ev.content_type)


@login_required
def readmission_create(request, pk):
    entry = _entry_or_404(request.user, pk)
    if not permissions.blacklist_readmission_request_allowed(request.user, entry):
        raise PermissionDenied
    form = ReadmissionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.blacklist_readmission_request(
                actor=request.user,
                entry_id=entry.pk,
                evaluation=d["evaluation"],
                expected_volume=d.get("expected_volume"),
                conditions={c: d[c] for c in services.EVALUATION_CONDITIONS},
            )
        except BlacklistError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("Re-admission requested: 总经办 and the department's manager approve it.")
            )
            return redirect("blacklist:entry_detail", pk=entry.pk)
    return render(request, "blacklist/readmission_form.html", {"form": form, "entry": entry})


def _readmission_or_404(request, pk) -> ReadmissionRequest:
    req = get_object_or_404(ReadmissionRequest, pk=pk)
    _entry_or_404(request.user, req.entry_id)
    return req


@login_required
@require_POST
def readmission_approve(request, pk):
    req = _readmission_or_404(request, pk)
    try:
        req = services.blacklist_readmission_approve(
            actor=request.user, request_id=req.pk, comment=request.POST.get("comment", "")
        )
    except BlacklistError as exc:
        messages.error(request, str(exc))
    else:
        if req.state == ReadmissionState.APPROVED:
            messages.success(request, _("Re-admitted: the customer is active again with grade C."))
        else:
            messages.success(request, _("Approved. The other approval is still needed."))
    return redirect("blacklist:entry_detail", pk=req.entry_id)


@login_required
@require_POST
def readmission_reject(request, pk):
    req = _readmission_or_404(request, pk)
    form = CommentRequiredForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a comment when rejecting."))
    else:
        _run(
            request,
            services.blacklist_readmission_reject,
            _("Re-admission refused."),
            request_id=req.pk,
            comment=form.cleaned_data["comment"],
        )
    return redirect("blacklist:entry_detail", pk=req.entry_id)


# --- The 黑名单报表 ---------------------------------------------------------------------------


def _report_data(request):
    if not permissions.blacklist_report_view_allowed(request.user):
        raise PermissionDenied
    departments = selectors.report_departments(request.user)
    form = ReportFilterForm(request.GET or None, departments=departments)
    entries = selectors.report_entries(request.user, **form.filters())
    totals = selectors.report_totals(entries)
    return form, entries, totals


@login_required
def report(request):
    """The screen shows the entries a page at a time (rendering 2,000 rows took seconds, bench
    finding 5); the totals are over the whole filtered report, the print layout and the Excel
    export keep every row."""
    form, entries, totals = _report_data(request)
    today = timezone.localdate()
    paginator = Paginator(entries, REPORT_PAGE_SIZE)
    paginator.count = sum(t["entries"] for t in totals)  # the totals counted the rows already
    page = paginator.get_page(request.GET.get("page"))
    context = _report_context(request, form, page.object_list, totals, today)
    context["page"] = page
    return render(request, "blacklist/report.html", context)


def _report_context(request, form, entries, totals, today):
    rows = list(entries)
    policy = BlacklistPolicy.load()
    for entry in rows:
        entry.remaining = entry.days_remaining(today)
        entry.expiring = entry.remaining is not None and entry.remaining <= policy.expiry_warning_days
        entry.loss_wan = wan_yuan(entry.loss_amount)
    for t in totals:
        t["loss_wan"] = wan_yuan(t["loss"])
    return {
        "form": form,
        "rows": rows,
        "totals": totals,
        "today": today,
        "query": _filters_query(request),
        "state_label": EntryState(form.cleaned_data["state"]).label
        if form.is_valid() and form.cleaned_data.get("state")
        else "",
        "grand_total": {
            "entries": sum(t["entries"] for t in totals),
            "active": sum(t["active"] for t in totals),
            "pending": sum(t["pending"] for t in totals),
            "loss_wan": wan_yuan(sum(t["loss"] for t in totals)),
        },
    }


def _filters_query(request) -> str:
    """The report's filters for the print and export links (not the screen's page number)."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def report_print(request):
    form, entries, totals = _report_data(request)
    today = timezone.localdate()
    return render(
        request, "blacklist/report_print.html", _report_context(request, form, entries, totals, today)
    )


@login_required
def report_export(request):
    form, entries, totals = _report_data(request)
    today = timezone.localdate()
    rows = list(entries)
    access_log_record_many(
        user=request.user, customers=[e.customer for e in rows], detail="blacklist report export"
    )
    return xlsx_response(report_workbook(rows, totals, today=today), name=_("Blacklist report"))
