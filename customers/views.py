"""Screens of the customer archive: parse → one service or selector → message + redirect.

Every view fetches the customer through `selectors.customer_list_for(user)`: another
salesperson's customer (or another department's) is a 404, never the data.
"""

import uuid
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.registry import customer_page_panels
from crm.uploads import file_response
from crm.xlsx import xlsx_response

from . import import_jobs, imports, permissions, selectors, services
from .dashboards import DOCUMENT_WARNING_DAYS
from .filters import CustomerFilter
from .forms import (
    ContactForm,
    CustomerForm,
    DocumentForm,
    ImportForm,
    ProfileForm,
    ReassignForm,
    StatusForm,
    YearlyFigureForm,
)
from .models import (
    AccessAction,
    ArchivePolicy,
    BusinessProfile,
    Customer,
    CustomerStatus,
    ImportJob,
    ImportJobState,
    YearlyFigure,
)
from .services import CustomerError

PER_PAGE = 25


# --- Who may do what (within what they may see) ---------------------------------------------


def can_edit(user) -> bool:
    """总经办 reads archives; the others who see a customer may keep it up to date."""
    return services.may_edit_archives(user)


def can_confirm(user, customer) -> bool:
    """信息已核实: the owner, the department's assistant or manager, or the administrator."""
    if user.is_salesperson:
        return customer.owner_id == user.pk
    return user.is_assistant or user.is_manager or user.is_administrator


def can_reassign(user) -> bool:
    return user.is_manager or user.sees_all_departments


can_import = permissions.import_allowed
can_export = permissions.export_allowed


def can_see_access_log(user) -> bool:
    return user.is_manager or user.sees_all_departments


def _customer(request, pk, *, edit=False) -> Customer:
    try:
        customer = selectors.customer_get_for(request.user, pk)
    except Customer.DoesNotExist as exc:
        raise Http404(_("No such customer.")) from exc
    if edit and not can_edit(request.user):
        raise PermissionDenied
    return customer


def _to_detail(customer_or_pk, anchor=""):
    pk = getattr(customer_or_pk, "pk", customer_or_pk)
    response = redirect("customers:detail", pk=pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


# --- List and page ----------------------------------------------------------------------------


@login_required
def customer_list(request):
    base = selectors.customer_list_for(request.user)
    filterset = CustomerFilter(request.GET or None, queryset=base, request=request)
    if not filterset.is_bound:
        filterset = CustomerFilter({"sort": "new"}, queryset=base, request=request)
    rows = selectors.customer_list_rows(filterset.qs)
    page = selectors.SlicePage(rows, request.GET.get("page"), PER_PAGE)
    return render(
        request,
        "customers/list.html",
        {
            "filter": filterset,
            "page": page,
            "customers": page.object_list,
            "can_create": can_edit(request.user) and not request.user.is_gm_office,
            "can_import": can_import(request.user),
            "can_export": can_export(request.user),
            "export_query": request.GET.urlencode(),
        },
    )


@login_required
def customer_detail(request, pk):
    try:
        customer = selectors.customer_detail_for(request.user, pk)
    except Customer.DoesNotExist as exc:
        raise Http404(_("No such customer.")) from exc
    now = timezone.now()
    user = request.user
    services.access_log_record(user=user, customer=customer, action=AccessAction.VIEW)
    policy = ArchivePolicy.load()
    due = selectors.archive_confirmation_due(customer, now=now, policy=policy)
    try:
        profile = customer.profile
    except BusinessProfile.DoesNotExist:
        profile = None
    show_log = can_see_access_log(user)
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "profile": profile,
            "contacts": list(customer.contacts.all()),
            "documents": list(customer.documents.select_related("uploaded_by")),
            "figures": list(customer.yearly_figures.all()),
            "access_logs": list(customer.access_logs.select_related("user")[:30]) if show_log else None,
            "confirm_due": due,
            "today": timezone.localdate(now),
            "documents_warn_until": timezone.localdate(now) + timedelta(days=DOCUMENT_WARNING_DAYS),
            "confirm_overdue": due is not None and due < timezone.localdate(now),
            "policy": policy,
            "can_edit": can_edit(user),
            "can_confirm": can_confirm(user, customer),
            "can_reassign": can_reassign(user),
            "status_targets": _status_targets(customer) if can_edit(user) else [],
            "panels": customer_page_panels(request, customer),
        },
    )


def _status_targets(customer):
    """The moves offered from the current status (blacklisted customers cannot be activated)."""
    moves = {
        CustomerStatus.PROSPECT: [CustomerStatus.ACTIVE, CustomerStatus.INACTIVE],
        CustomerStatus.ACTIVE: [CustomerStatus.INACTIVE],
        CustomerStatus.INACTIVE: [CustomerStatus.ACTIVE],
    }[CustomerStatus(customer.status)]
    if customer.is_blacklisted or customer.readmission_required:
        moves = [m for m in moves if m != CustomerStatus.ACTIVE]
    return [(m.value, m.label) for m in moves]


# --- Archive: create, edit, status, confirm, reassign -----------------------------------------


@login_required
def customer_create(request):
    user = request.user
    if not can_edit(user):
        raise PermissionDenied
    form = CustomerForm(request.POST or None, user=user, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(
                actor=user,
                data=form.service_data(),
                owner=form.cleaned_data.get("owner"),
            )
        except CustomerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
            return _to_detail(customer)
    return render(request, "customers/form.html", {"form": form, "creating": True})


@login_required
def customer_edit(request, pk):
    customer = _customer(request, pk, edit=True)
    form = CustomerForm(request.POST or None, instance=customer, user=request.user, creating=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(
                actor=request.user,
                customer_id=customer.pk,
                data=form.service_data(),
                expected_version=form.cleaned_data["version"],
            )
        except CustomerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The archive was saved."))
            return _to_detail(customer)
    return render(request, "customers/form.html", {"form": form, "creating": False, "customer": customer})


@login_required
@require_POST
def customer_status(request, pk):
    customer = _customer(request, pk, edit=True)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.customer_change_status(
                actor=request.user, customer_id=customer.pk, status=form.cleaned_data["status"]
            )
        except CustomerError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Status changed."))
    return _to_detail(customer)


@login_required
@require_POST
def customer_confirm(request, pk):
    customer = _customer(request, pk)
    if not can_confirm(request.user, customer):
        raise PermissionDenied
    services.customer_confirm_archive(actor=request.user, customer_id=customer.pk)
    messages.success(request, _("Thank you: the archive is confirmed as up to date."))
    return _to_detail(customer)


@login_required
def customer_reassign(request, pk):
    customer = _customer(request, pk)
    if not can_reassign(request.user):
        raise PermissionDenied
    form = ReassignForm(request.POST or None, user=request.user, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_reassign(
                actor=request.user, customer_id=customer.pk, owner=form.cleaned_data["owner"]
            )
        except CustomerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("The customer now belongs to %(name)s.") % {"name": form.cleaned_data["owner"]}
            )
            return _to_detail(customer)
    return render(
        request,
        "customers/simple_form.html",
        {
            "form": form,
            "customer": customer,
            "title": _("Reassign owner"),
            "submit": _("Reassign"),
        },
    )


# --- Contacts, profile, yearly figures -------------------------------------------------------


@login_required
def contact_edit(request, pk, contact_id=None):
    customer = _customer(request, pk, edit=True)
    contact = None
    if contact_id is not None:
        contact = customer.contacts.filter(pk=contact_id).first()
        if contact is None:
            raise Http404
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_save(
                actor=request.user,
                customer_id=customer.pk,
                contact_id=contact_id,
                data={f: form.cleaned_data[f] for f in form.Meta.fields},
            )
        except CustomerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Contact saved."))
            return _to_detail(customer, "contacts")
    title = _("Edit contact") if contact else _("Add contact")
    return render(
        request,
        "customers/simple_form.html",
        {
            "form": form,
            "customer": customer,
            "title": title,
            "submit": _("Save"),
            "anchor": "contacts",
        },
    )


@login_required
@require_POST
def contact_delete(request, pk, contact_id):
    customer = _customer(request, pk, edit=True)
    if not customer.contacts.filter(pk=contact_id).exists():
        raise Http404
    services.contact_delete(actor=request.user, contact_id=contact_id)
    messages.success(request, _("Contact deleted."))
    return _to_detail(customer, "contacts")


@login_required
def profile_edit(request, pk):
    customer = _customer(request, pk, edit=True)
    profile = BusinessProfile.objects.filter(customer=customer).first() or BusinessProfile(customer=customer)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        services.profile_save(
            actor=request.user,
            customer_id=customer.pk,
            data={f: form.cleaned_data[f] for f in form.Meta.fields},
        )
        messages.success(request, _("Business profile saved."))
        return _to_detail(customer, "profile")
    return render(
        request,
        "customers/simple_form.html",
        {
            "form": form,
            "customer": customer,
            "title": _("Business profile"),
            "submit": _("Save"),
            "anchor": "profile",
        },
    )


@login_required
def figure_edit(request, pk, year=None):
    customer = _customer(request, pk, edit=True)
    figure = None
    if year is not None:
        figure = YearlyFigure.objects.filter(customer=customer, year=year).first()
        if figure is None:
            raise Http404
    initial = None if figure else {"year": timezone.localdate().year - 1}
    form = YearlyFigureForm(
        request.POST or None, instance=figure, initial=initial, editing=figure is not None
    )
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.Meta.fields if f != "year"}
        try:
            services.yearly_figure_save(
                actor=request.user, customer_id=customer.pk, year=form.cleaned_data["year"], data=data
            )
        except CustomerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Yearly figures saved."))
            return _to_detail(customer, "figures")
    title = _("Yearly figures %(year)s") % {"year": year} if figure else _("Add yearly figures")
    return render(
        request,
        "customers/simple_form.html",
        {
            "form": form,
            "customer": customer,
            "title": title,
            "submit": _("Save"),
            "anchor": "figures",
        },
    )


# --- Qualification documents ------------------------------------------------------------------


@login_required
def document_upload(request, pk):
    customer = _customer(request, pk, edit=True)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_upload(
                actor=request.user,
                customer_id=customer.pk,
                doc_type=form.cleaned_data["doc_type"],
                file=form.cleaned_data["file"],
                issued_on=form.cleaned_data["issued_on"],
                expires_on=form.cleaned_data["expires_on"],
            )
        except CustomerError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, _("Document uploaded."))
            return _to_detail(customer, "documents")
    return render(
        request,
        "customers/simple_form.html",
        {
            "form": form,
            "customer": customer,
            "title": _("Upload a qualification document"),
            "submit": _("Upload"),
            "anchor": "documents",
            "multipart": True,
        },
    )


@login_required
def document_download(request, pk, document_id):
    customer = _customer(request, pk)
    doc = customer.documents.filter(pk=document_id).first()
    if doc is None:
        raise Http404
    response = file_response(doc.file, name=doc.original_name, content_type=doc.content_type)
    services.access_log_record(
        user=request.user, customer=customer, action=AccessAction.DOWNLOAD, detail=doc.original_name
    )
    return response


@login_required
@require_POST
def document_delete(request, pk, document_id):
    customer = _customer(request, pk, edit=True)
    if not customer.documents.filter(pk=document_id).exists():
        raise Http404
    services.document_delete(actor=request.user, document_id=document_id)
    messages.success(request, _("Document deleted."))
    return _to_detail(customer, "documents")


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
