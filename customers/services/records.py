"""Contacts, the business profile, yearly figures, documents and the access log of an archive."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.date_bounds import check_date
from crm.forms import messages_from
from crm.models import User
from crm.services import audit_record
from crm.uploads import DOCUMENTS, safe_display_name, upload_store, validate_upload

from ..models import (
    AccessAction,
    AccessLog,
    BusinessProfile,
    Contact,
    Customer,
    QualificationDocument,
    YearlyFigure,
)
from ..validators import normalize_mobile, normalize_text
from .archive import CustomerError, _archive_for

CONTACT_FIELDS = ("name", "position", "mobile", "email", "wechat", "birthday", "preferences", "is_primary")


def contact_save(*, actor: User, customer_id: int, data: dict, contact_id: int | None = None) -> Contact:
    """Create or update a contact; making one primary un-marks the previous primary."""
    with transaction.atomic():
        customer = _archive_for(actor, customer_id)
        contact = (
            Contact.objects.get(pk=contact_id, customer=customer)
            if contact_id
            else Contact(customer=customer)
        )
        before = {f: getattr(contact, f) for f in CONTACT_FIELDS} if contact_id else None
        for f in CONTACT_FIELDS:
            if f in data:
                setattr(contact, f, data[f])
        contact.mobile = normalize_mobile(contact.mobile) if contact.mobile else ""
        contact.name = normalize_text(contact.name)
        if contact.is_primary:
            customer.contacts.filter(is_primary=True).exclude(pk=contact.pk).update(is_primary=False)
        elif not customer.contacts.exclude(pk=contact.pk).filter(is_primary=True).exists():
            contact.is_primary = True  # the first contact is the primary one
        try:
            contact.full_clean()
        except ValidationError as exc:
            raise CustomerError(messages_from(exc)) from exc
        contact._history_user = actor
        contact.save()
        audit_record(
            actor=actor,
            action="customers.contact.updated" if contact_id else "customers.contact.created",
            target=contact,
            before=before,
            after={f: getattr(contact, f) for f in CONTACT_FIELDS},
        )
    return contact


def contact_delete(*, actor: User, contact_id: int) -> None:
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact_id)
        _archive_for(actor, contact.customer_id)
        audit_record(
            actor=actor, action="customers.contact.deleted", target=contact, before={"name": contact.name}
        )
        contact._history_user = actor
        contact.delete()
        if contact.is_primary:
            # A customer with contacts always has a primary one: the oldest remaining takes over.
            successor = Contact.objects.filter(customer_id=contact.customer_id).order_by("pk").first()
            if successor is not None:
                successor.is_primary = True
                successor._history_user = actor
                successor.save(update_fields=["is_primary"])


PROFILE_FIELDS = (
    "organisation",
    "history_text",
    "business_goals",
    "main_products",
    "competitors",
    "suppliers",
    "purchasing_channels",
    "market_share",
)


def profile_save(*, actor: User, customer_id: int, data: dict) -> BusinessProfile:
    with transaction.atomic():
        _archive_for(actor, customer_id)
        profile, _created = BusinessProfile.objects.select_for_update().get_or_create(customer_id=customer_id)
        for f in PROFILE_FIELDS:
            if f in data:
                setattr(profile, f, data[f])
        profile._history_user = actor
        profile.save()
        audit_record(actor=actor, action="customers.profile.updated", target=profile.customer)
    return profile


FIGURE_FIELDS = ("business_volume", "receivables", "overdue_payment_count", "overdue_pickup_count")


def yearly_figure_save(*, actor: User, customer_id: int, year: int, data: dict) -> YearlyFigure:
    """Create or replace one customer's figures for one year (one row per year, §2)."""
    with transaction.atomic():
        _archive_for(actor, customer_id)
        figure, created = YearlyFigure.objects.select_for_update().get_or_create(
            customer_id=customer_id, year=year, defaults={f: data[f] for f in FIGURE_FIELDS if f in data}
        )
        before = None if created else {f: getattr(figure, f) for f in FIGURE_FIELDS}
        for f in FIGURE_FIELDS:
            if f in data:
                setattr(figure, f, data[f])
        try:
            figure.full_clean()
        except ValidationError as exc:
            raise CustomerError(messages_from(exc)) from exc
        figure._history_user = actor
        figure.save()
        audit_record(
            actor=actor,
            action="customers.yearly_figure.saved",
            target=figure,
            before=before,
            after={f: getattr(figure, f) for f in FIGURE_FIELDS},
        )
    return figure


def document_upload(
    *,
    actor: User,
    customer_id: int,
    doc_type: str,
    file,
    issued_on: date | None = None,
    expires_on: date | None = None,
) -> QualificationDocument:
    """Store a qualification document after checking its real type and size (§2)."""
    try:
        kind = validate_upload(file, allowed=DOCUMENTS)
    except ValidationError as exc:
        raise CustomerError(messages_from(exc)) from exc
    if issued_on and expires_on and expires_on < issued_on:
        raise CustomerError(_("The expiry date must not be before the issue date."))
    try:
        for typed in (issued_on, expires_on):
            check_date(typed, today=timezone.localdate())
    except ValidationError as exc:
        raise CustomerError(" ".join(exc.messages)) from exc
    with transaction.atomic():
        customer = _archive_for(actor, customer_id)
        doc = QualificationDocument(
            customer=customer,
            doc_type=doc_type,
            original_name=safe_display_name(file.name),
            content_type=kind.content_type,
            size=file.size,
            issued_on=issued_on,
            expires_on=expires_on,
            uploaded_by=actor,
        )
        if doc_type not in dict(QualificationDocument._meta.get_field("doc_type").choices):
            raise CustomerError(_("Unknown document type."))
        upload_store(doc, file, kind)  # nothing half-written: no orphan file
        audit_record(
            actor=actor, action="customers.document.uploaded", target=doc, after={"name": doc.original_name}
        )
    return doc


def document_delete(*, actor: User, document_id: int) -> None:
    with transaction.atomic():
        doc = QualificationDocument.objects.select_for_update().get(pk=document_id)
        _archive_for(actor, doc.customer_id)
        audit_record(
            actor=actor, action="customers.document.deleted", target=doc, before={"name": doc.original_name}
        )
        storage, name = doc.file.storage, doc.file.name
        doc.delete()
        transaction.on_commit(lambda: storage.delete(name))


def access_log_record(
    *, user: User, customer: Customer, action: str = AccessAction.VIEW, detail: str = ""
) -> None:
    """查阅记录: log a view, export or download of a confidential archive (grade A or key)."""
    if customer.is_confidential:
        AccessLog.objects.create(customer=customer, user=user, action=action, detail=detail[:200])


def access_log_record_many(
    *, user: User, customers, action: str = AccessAction.EXPORT, detail: str = ""
) -> int:
    """Log an export of many archives at once (one row per confidential customer)."""
    rows = [
        AccessLog(customer_id=c.pk, user=user, action=action, detail=detail[:200])
        for c in customers
        if c.is_confidential
    ]
    AccessLog.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
