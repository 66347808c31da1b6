"""Import (upload, preview, confirm, progress) and export of the archive as workbooks."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.xlsx import xlsx_response

from .. import import_jobs, imports, selectors
from ..filters import CustomerFilter
from ..forms import ImportForm
from ..models import ImportJob, ImportJobState
from ..services import CustomerError
from .access import can_export, can_import

# --- Import and export ------------------------------------------------------------------------


@login_required
def import_upload(request):
    """Upload a workbook: its type and size are checked here, the rows by the worker (import_job)."""
    user = request.user
    if not can_import(user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None, kinds=imports.kind_choices())
    if request.method == "POST" and form.is_valid():
        try:
            job = import_jobs.import_job_start(
                actor=user, kind=form.cleaned_data["kind"], file=form.cleaned_data["file"]
            )
        except CustomerError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("customers:import_job", pk=job.pk)
    return render(request, "customers/import.html", {"form": form})


def _own_import_job(request, pk) -> ImportJob:
    if not can_import(request.user):
        raise PermissionDenied
    return get_object_or_404(ImportJob, pk=pk, user=request.user)


@login_required
def import_job(request, pk):
    """An import's page: its progress while the worker checks or writes it, then the preview or the result."""
    job = _own_import_job(request, pk)
    form = ImportForm(kinds=imports.kind_choices())
    return render(
        request,
        "customers/import.html",
        {
            "form": form,
            "job": job,
            "report": imports.import_report(job) if job.report else None,
            "token": job.pk if job.state == ImportJobState.READY else "",
            "progress": import_jobs.import_progress(job.pk) if job.is_running else {},
        },
    )


@login_required
def import_job_progress(request, pk):
    """The progress bar, polled by htmx every second; a finished job reloads its page."""
    job = _own_import_job(request, pk)
    if not job.is_running:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    return render(
        request,
        "customers/_import_progress.html",
        {"job": job, "progress": import_jobs.import_progress(job.pk)},
    )


@login_required
@require_POST
def import_confirm(request):
    user = request.user
    if not can_import(user):
        raise PermissionDenied
    try:
        job = import_jobs.import_job_confirm(actor=user, job_id=_uuid_or_none(request.POST.get("token")))
    except CustomerError as exc:
        messages.error(request, str(exc))
        return redirect("customers:import")
    if job.state == ImportJobState.DONE and job.batch is not None:
        messages.success(
            request,
            _("Imported %(rows)d rows: %(created)d new, %(updated)d updated.")
            % {
                "rows": job.batch.rows,
                "created": job.batch.created,
                "updated": job.batch.updated,
            },
        )
        return redirect("customers:list")
    if job.state == ImportJobState.FAILED:
        messages.error(request, job.message)
        return redirect("customers:import")
    return redirect("customers:import_job", pk=job.pk)


def _uuid_or_none(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@login_required
def export(request):
    user = request.user
    if not can_export(user):
        raise PermissionDenied
    kind = request.GET.get("kind", "customers")
    if kind not in imports.KINDS:
        raise Http404
    filterset = CustomerFilter(request.GET, queryset=selectors.customer_list_for(user), request=request)
    content = imports.export_xlsx(
        actor=user, kind=kind, customers=filterset.qs, template=request.GET.get("template") == "1"
    )
    return xlsx_response(content, name=str(imports.KINDS[kind]), stamp="%Y%m%d-%H%M")
