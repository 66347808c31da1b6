"""What hangs off an archive: contacts, the business profile, yearly figures, qualification
documents."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.uploads import file_response

from .. import services
from ..forms import ContactForm, DocumentForm, ProfileForm, YearlyFigureForm
from ..models import AccessAction, BusinessProfile, YearlyFigure
from ..services import CustomerError
from .access import customer_or_404, to_detail

# --- Contacts, profile, yearly figures -------------------------------------------------------


@login_required
def contact_edit(request, pk, contact_id=None):
    customer = customer_or_404(request, pk, edit=True)
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
            return to_detail(customer, "contacts")
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
    customer = customer_or_404(request, pk, edit=True)
    if not customer.contacts.filter(pk=contact_id).exists():
        raise Http404
    services.contact_delete(actor=request.user, contact_id=contact_id)
    messages.success(request, _("Contact deleted."))
    return to_detail(customer, "contacts")


@login_required
def profile_edit(request, pk):
    customer = customer_or_404(request, pk, edit=True)
    profile = BusinessProfile.objects.filter(customer=customer).first() or BusinessProfile(customer=customer)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        services.profile_save(
            actor=request.user,
            customer_id=customer.pk,
            data={f: form.cleaned_data[f] for f in form.Meta.fields},
        )
        messages.success(request, _("Business profile saved."))
        return to_detail(customer, "profile")
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
    customer = customer_or_404(request, pk, edit=True)
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
            return to_detail(customer, "figures")
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
    customer = customer_or_404(request, pk, edit=True)
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
            return to_detail(customer, "documents")
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
    customer = customer_or_404(request, pk)
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
    customer = customer_or_404(request, pk, edit=True)
    if not customer.documents.filter(pk=document_id).exists():
        raise Http404
    services.document_delete(actor=request.user, document_id=document_id)
    messages.success(request, _("Document deleted."))
    return to_detail(customer, "documents")
