"""The customer list, the customer page, and the archive's own changes: create, edit, status,
confirm, reassign."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.registry import customer_page_panels, customer_page_related

from .. import selectors, services
from ..dashboards import DOCUMENT_WARNING_DAYS
from ..filters import CustomerFilter
from ..forms import CustomerForm, ReassignForm, StatusForm
from ..models import AccessAction, ArchivePolicy, BusinessProfile, Customer, CustomerStatus
from ..services import CustomerError
from .access import (
    can_confirm,
    can_edit,
    can_export,
    can_import,
    can_reassign,
    can_see_access_log,
    customer_or_404,
    to_detail,
)

PER_PAGE = 25


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
        customer = selectors.customer_detail_for(request.user, pk, related=customer_page_related())
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
    # The page's own lists are read with the panels' in one statement (crm.registry).
    own = {
        "people": selectors.customer_people(customer),
        "contacts": customer.contacts.all(),
        "documents": customer.documents.select_related("uploaded_by"),
        "figures": customer.yearly_figures.all(),
    }
    if show_log:
        own["access_logs"] = customer.access_logs.select_related("user")[:30]
    panels, rows = customer_page_panels(request, customer, also=own)
    selectors.customer_people_attach(customer, rows["people"])
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "profile": profile,
            "contacts": rows["contacts"],
            "documents": rows["documents"],
            "figures": rows["figures"],
            "access_logs": rows.get("access_logs"),
            "confirm_due": due,
            "today": timezone.localdate(now),
            "documents_warn_until": timezone.localdate(now) + timedelta(days=DOCUMENT_WARNING_DAYS),
            "confirm_overdue": due is not None and due < timezone.localdate(now),
            "policy": policy,
            "can_edit": can_edit(user),
            "can_confirm": can_confirm(user, customer),
            "can_reassign": can_reassign(user),
            "status_targets": _status_targets(customer) if can_edit(user) else [],
            "panels": panels,
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
            return to_detail(customer)
    return render(request, "customers/form.html", {"form": form, "creating": True})


@login_required
def customer_edit(request, pk):
    customer = customer_or_404(request, pk, edit=True)
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
            return to_detail(customer)
    return render(request, "customers/form.html", {"form": form, "creating": False, "customer": customer})


@login_required
@require_POST
def customer_status(request, pk):
    customer = customer_or_404(request, pk, edit=True)
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
    return to_detail(customer)


@login_required
@require_POST
def customer_confirm(request, pk):
    customer = customer_or_404(request, pk)
    if not can_confirm(request.user, customer):
        raise PermissionDenied
    services.customer_confirm_archive(actor=request.user, customer_id=customer.pk)
    messages.success(request, _("Thank you: the archive is confirmed as up to date."))
    return to_detail(customer)


@login_required
def customer_reassign(request, pk):
    customer = customer_or_404(request, pk)
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
            return to_detail(customer)
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
