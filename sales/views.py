"""Sales screens: draft and submit an agreement, its page, the monthly statement, the ERP import
and the queue of records with an unknown customer. Approvals happen in the admin (sales.admin).

Each view: parse (form) → one service or selector → message + redirect, or render. Customers
come through customer_get_for (the visibility rule): another salesperson's customer is a 404.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.uploads import DOCUMENTS, file_response, safe_display_name, validate_upload
from customers.models import Customer
from customers.selectors import customer_get_for, customer_list_for

from . import selectors, services
from .forms import AgreementForm, ErpImportForm
from .models import Agreement, AgreementAttachment, UnmatchedRecord
from .permissions import (
    agreement_create_allowed,
    agreement_submit_allowed,
    erp_import_allowed,
    statement_allowed,
    unmatched_queue_allowed,
)
from .statement import statement_xlsx


def _customer(request, pk) -> Customer:
    try:
        return customer_get_for(request.user, pk)
    except Customer.DoesNotExist as exc:
        raise Http404 from exc


def _agreement(request, pk) -> Agreement:
    return get_object_or_404(
        Agreement.objects.select_related("customer", "created_by").filter(
            customer__in=customer_list_for(request.user)
        ),
        pk=pk,
    )


@login_required
def agreement_create(request, pk):
    customer = _customer(request, pk)
    if not agreement_create_allowed(request.user, customer):
        raise PermissionDenied
    form = AgreementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        upload = d.get("attachment")
        try:
            kind = validate_upload(upload, allowed=DOCUMENTS) if upload else None
            with transaction.atomic():
                agreement = services.agreement_create(
                    actor=request.user,
                    customer_id=customer.pk,
                    number=d["number"],
                    amount=d["amount"],
                    signed_on=d["signed_on"],
                    valid_from=d["valid_from"],
                    valid_until=d["valid_until"],
                    delivery_terms=d["delivery_terms"],
                    instalments=d["instalments"],
                    now=timezone.now(),
                )
                if upload:
                    AgreementAttachment.objects.create(
                        agreement=agreement,
                        file=upload,
                        original_name=safe_display_name(upload.name),
                        content_type=kind.content_type,
                        size=upload.size,
                        uploaded_by=request.user,
                    )
        except ValidationError as exc:
            form.add_error("attachment", exc)
        except services.SalesError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Agreement %(number)s saved as a draft.") % {"number": agreement.number}
            )
            return redirect("sales:agreement_detail", pk=agreement.pk)
    return render(
        request,
        "customers/simple_form.html",
        {
            "customer": customer,
            "form": form,
            "title": _("New sales agreement"),
            "submit": _("Save draft"),
            "multipart": True,
        },
    )


@login_required
def agreement_detail(request, pk):
    agreement = _agreement(request, pk)
    return render(
        request,
        "sales/agreement_detail.html",
        {
            "agreement": agreement,
            "customer": agreement.customer,
            "instalments": agreement.instalments.all(),
            "attachments": agreement.attachments.all(),
            "approvals": agreement.approvals.select_related("approver"),
            "can_submit": agreement_submit_allowed(request.user, agreement),
            "refusal": services.approval_refusal(request.user, agreement) if agreement.is_open else None,
        },
    )


@login_required
@require_POST
def agreement_submit(request, pk):
    agreement = _agreement(request, pk)
    if not agreement_create_allowed(request.user):
        raise PermissionDenied
    try:
        agreement = services.agreement_submit(
            agreement_id=agreement.pk, actor=request.user, now=timezone.now()
        )
    except services.SalesError as exc:
        messages.error(request, str(exc))
    else:
        if agreement.state == "effective":
            messages.success(request, _("The agreement is in effect."))
        else:
            messages.success(request, _("The agreement was submitted for approval."))
    return redirect("sales:agreement_detail", pk=agreement.pk)


@login_required
def attachment_download(request, pk):
    attachment = get_object_or_404(
        AgreementAttachment.objects.filter(agreement__customer__in=customer_list_for(request.user)), pk=pk
    )
    return file_response(attachment.file, name=attachment.original_name, content_type=attachment.content_type)


def _month(request) -> tuple[int, int]:
    today = timezone.localdate()
    try:
        year, month = (int(p) for p in request.GET.get("month", "").split("-"))
        date(year, month, 1)
        if not 2000 <= year <= 2100:
            raise ValueError
        return year, month
    except ValueError:
        return today.year, today.month


@login_required
def statement(request, pk):
    customer = _customer(request, pk)
    if not statement_allowed(request.user):
        raise PermissionDenied
    year, month = _month(request)
    st = selectors.customer_statement(customer, year=year, month=month)
    return render(
        request, "sales/statement.html", {"st": st, "customer": customer, "month": f"{year}-{month:02d}"}
    )


@login_required
def statement_export(request, pk):
    customer = _customer(request, pk)
    if not statement_allowed(request.user):
        raise PermissionDenied
    year, month = _month(request)
    st = selectors.customer_statement(customer, year=year, month=month)
    response = HttpResponse(
        statement_xlsx(st), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="statement-{customer.pk}-{year}-{month:02d}.xlsx"'
    )
    return response


@login_required
def erp_import(request):
    if not erp_import_allowed(request.user):
        raise PermissionDenied
    form = ErpImportForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        try:
            batch, plan = services.erp_import_preview(
                actor=request.user,
                source=form.cleaned_data["source"],
                upload=form.cleaned_data["file"],
                now=timezone.now(),
            )
        except services.SalesError as exc:
            form.add_error("file", str(exc))
        else:
            context.update(_preview(batch, plan))
    return render(request, "sales/import.html", context)


def _preview(batch, plan) -> dict:
    counts = dict.fromkeys(("created", "updated", "unchanged", "unmatched", "error"), 0)
    for p in plan:
        counts[p["outcome"]] += 1
    shown = [dict(p, number=i) for i, p in enumerate(plan, start=2) if p["outcome"] != "unchanged"][:200]
    return {"batch": batch, "counts": counts, "rows": shown, "can_confirm": counts["error"] == 0 and plan}


@login_required
@require_POST
def erp_import_confirm(request, pk):
    if not erp_import_allowed(request.user):
        raise PermissionDenied
    try:  # the service finds only the user's own import
        counts = services.erp_import_confirm(import_id=pk, actor=request.user, now=timezone.now())
    except services.SalesError as exc:
        messages.error(request, str(exc))
        return redirect("sales:import")
    messages.success(
        request,
        _(
            "Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged, "
            "%(unmatched)d waiting for their customer."
        )
        % {k: counts.get(k, 0) for k in ("created", "updated", "unchanged", "unmatched")},
    )
    return redirect("sales:import")


@login_required
def unmatched_list(request):
    if not unmatched_queue_allowed(request.user):
        raise PermissionDenied
    qs = UnmatchedRecord.objects.filter(resolved_at__isnull=True).order_by("-received_at", "-id")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "sales/unmatched.html", {"page": page})


@login_required
@require_POST
def unmatched_resolve(request, pk):
    if not unmatched_queue_allowed(request.user):
        raise PermissionDenied
    get_object_or_404(UnmatchedRecord, pk=pk)
    try:
        services.unmatched_resolve(record_id=pk, actor=request.user, now=timezone.now())
    except services.SalesError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The record was applied to its customer."))
    return redirect("sales:unmatched")
