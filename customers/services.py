"""Every change to the customer archive the business cares about (domain §2).

Services are keyword-only, own their transaction, check the rules (raising CustomerError with
a message for the user), write an audit entry and leave side effects to after commit.
"""

from datetime import date, datetime

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.date_bounds import check_date
from crm.forms import messages_from
from crm.models import Notification, Role, User
from crm.registry import customer_activated
from crm.services import add_months, audit_record, notification_bulk_send
from crm.uploads import DOCUMENTS, safe_display_name, upload_store, validate_upload

from .models import (
    AccessAction,
    AccessLog,
    ArchivePolicy,
    BusinessProfile,
    Contact,
    Customer,
    CustomerStatus,
    QualificationDocument,
    YearlyFigure,
)
from .pinyin import set_customer_keys
from .selectors import customer_admission_conflict
from .validators import normalize_credit_code, normalize_mobile, normalize_text


class CustomerError(Exception):
    """A rule of the archive was broken; the message is shown to the user."""


# Fields a person may edit through the archive form. Grade, status, blacklist and visit
# state are kept by their own workflows; owner and department by reassignment.
EDITABLE_FIELDS = (
    "name",
    "short_name",
    "credit_code",
    "industry",
    "province",
    "city",
    "address",
    "phone",
    "website",
    "business_scope",
    "registered_capital",
    "staff_size",
    "source_channel",
    "cooperation_start",
    "is_key",
)
AUDITED_FIELDS = EDITABLE_FIELDS + ("owner_id", "department_id", "status", "grade")


def _snapshot(customer: Customer) -> dict:
    return {f: getattr(customer, f) for f in AUDITED_FIELDS}


def _diff(before: dict, after: dict) -> tuple[dict, dict]:
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in changed}, {k: after.get(k) for k in changed}


def admission_refusal_message(blocked: Customer, viewer: User | None = None) -> str:
    """The refusal names the blacklist (domain §2, §4, issue 14.2) and, for a `viewer` who may
    see the blacklisted customer (or when no viewer is given), the entry and its end date.

    The entry is read through the reverse relation the blacklist app declares, so this app
    does not import it.
    """
    if viewer is not None and not Customer.objects.visible_to(viewer).filter(pk=blocked.pk).exists():
        return _(
            "Admission refused: “%(name)s” is on the blacklist. A blacklisted customer cannot be created, "
            "imported or re-activated."
        ) % {"name": blocked.name}
    entry = blocked.blacklist_entries.filter(state="active").only("pk").order_by("-pk").first()
    return _(
        "Admission refused: “%(name)s” is on the blacklist (entry No. %(entry)s) until %(until)s. A blacklisted "
        "customer cannot be created, imported or re-activated."
    ) % {"name": blocked.name, "entry": entry.pk if entry else "—", "until": blocked.blacklisted_until}


def ensure_admissible(
    *, name: str, credit_code: str, exclude_pk: int | None = None, actor: User | None = None
) -> None:
    """Domain §2 准入: refuse an archive matching an actively blacklisted customer (checked before
    any duplicate rule, so the refusal names the blacklist, issue 14.2)."""
    blocked = customer_admission_conflict(name=name, credit_code=credit_code, exclude_pk=exclude_pk)
    if blocked is not None:
        raise CustomerError(admission_refusal_message(blocked, actor))


def _clean_and_save(customer: Customer) -> None:
    customer.credit_code = normalize_credit_code(customer.credit_code)
    set_customer_keys(customer)
    try:
        customer.full_clean()
    except ValidationError as exc:
        raise CustomerError(messages_from(exc)) from exc
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as exc:
        raise CustomerError(_("A customer with this name or credit code already exists.")) from exc


def _resolve_owner(*, actor: User, owner: User | None) -> User:
    if actor.role == Role.SALESPERSON or owner is None:
        owner = actor
    if owner.role != Role.SALESPERSON and owner != actor:
        raise CustomerError(_("The owner must be a salesperson."))
    if not actor.sees_all_departments and owner.department_id != actor.department_id:
        raise CustomerError(_("The owner must belong to your department."))
    if owner.department_id is None:
        raise CustomerError(_("The owner has no department."))
    return owner


def may_edit_archives(user: User) -> bool:
    """总经办 reads archives; the other roles keep the ones they see up to date (§1)."""
    return user.is_superuser or user.role in (Role.SALESPERSON, Role.ASSISTANT, Role.MANAGER, Role.ADMIN)


def _archive_for(actor: User, customer_id: int, *, edit: bool = True) -> Customer:
    """The customer, locked, if `actor` may see it (and, with `edit`, change archives).

    The visibility rule (Customer.objects.visible_to) holds in the services too, not only in
    the views: another salesperson's customer reads "not found", whoever calls (§1).
    """
    if edit and not may_edit_archives(actor):
        raise CustomerError(_("You may not change customer archives."))
    try:
        return Customer.objects.visible_to(actor).select_for_update(of=("self",)).get(pk=customer_id)
    except Customer.DoesNotExist as exc:
        raise CustomerError(_("Customer not found.")) from exc


def customer_create(
    *, actor: User, data: dict, owner: User | None = None, now: datetime | None = None
) -> Customer:
    """Create an archive. A salesperson owns what they create; others choose an owner in their
    department. Refused when it matches a blacklisted customer (admission) or a duplicate."""
    now = now or timezone.now()
    if actor.role not in (Role.SALESPERSON, Role.ASSISTANT, Role.MANAGER, Role.ADMIN):
        raise CustomerError(_("You may not create customers."))
    owner = _resolve_owner(actor=actor, owner=owner)
    with transaction.atomic():
        ensure_admissible(name=data.get("name", ""), credit_code=data.get("credit_code", ""), actor=actor)
        customer = Customer(
            owner=owner,
            department_id=owner.department_id,
            created_by=actor,
            last_confirmed_at=now,
            last_confirmed_by=actor,
        )
        for field in EDITABLE_FIELDS:
            if field in data:
                setattr(customer, field, data[field])
        customer._history_user = actor
        _clean_and_save(customer)
        BusinessProfile.objects.get_or_create(customer=customer)
        audit_record(
            actor=actor, action="customers.customer.created", target=customer, after=_snapshot(customer)
        )
    return customer


def customer_update(
    *, actor: User, customer_id: int, data: dict, expected_version: int | None = None
) -> Customer:
    """Save the editable fields of an archive.

    `expected_version` is the version the form was loaded with: if someone saved in between,
    CustomerError tells the user instead of silently overwriting their colleague's change.
    """
    with transaction.atomic():
        customer = _archive_for(actor, customer_id)
        if expected_version is not None and customer.version != expected_version:
            raise CustomerError(
                _(
                    "This archive was changed by someone else after you opened it. Reload it and make your change again."
                )
            )
        before = _snapshot(customer)
        for field in EDITABLE_FIELDS:
            if field in data:
                setattr(customer, field, data[field])
        if customer.is_blacklisted is False:
            ensure_admissible(
                name=customer.name, credit_code=customer.credit_code, exclude_pk=customer.pk, actor=actor
            )
        customer.version = F("version") + 1
        customer._history_user = actor
        _clean_and_save_with_version(customer)
        old, new = _diff(before, _snapshot(customer))
        if new:
            audit_record(
                actor=actor, action="customers.customer.updated", target=customer, before=old, after=new
            )
    return customer


def _clean_and_save_with_version(customer: Customer) -> None:
    version_expr = customer.version
    customer.version = 0  # full_clean cannot validate an expression
    customer.credit_code = normalize_credit_code(customer.credit_code)
    set_customer_keys(customer)
    try:
        customer.full_clean()
    except ValidationError as exc:
        raise CustomerError(messages_from(exc)) from exc
    customer.version = version_expr
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as exc:
        raise CustomerError(_("A customer with this name or credit code already exists.")) from exc
    customer.refresh_from_db(fields=["version"])


def customer_change_status(
    *, actor: User, customer_id: int, status: str, now: datetime | None = None
) -> Customer:
    """Move a customer between prospect, active and inactive.

    Re-activating (or activating) a blacklisted customer is refused (domain §4). Becoming
    active sets the cooperation start date if it is missing and, in the same transaction,
    runs the hooks of crm.registry.customer_activated: the grading app gives an ungraded
    customer its provisional grade (暂定等级, §3) there, without this app importing grading.
    """
    now = now or timezone.now()
    if status not in CustomerStatus.values:
        raise CustomerError(_("Unknown status."))
    with transaction.atomic():
        customer = _archive_for(actor, customer_id, edit=False)  # 总经办 too: blacklisting stops cooperation
        if customer.status == status:
            return customer
        if status == CustomerStatus.ACTIVE and customer.is_blacklisted:
            raise CustomerError(admission_refusal_message(customer))
        if status == CustomerStatus.ACTIVE and customer.readmission_required:
            raise CustomerError(
                _("This customer left the blacklist and may only return through re-admission (重新准入).")
            )
        before = customer.status
        customer.status = status
        fields = ["status", "updated_at"]
        if status == CustomerStatus.ACTIVE and customer.cooperation_start is None:
            customer.cooperation_start = timezone.localdate(now)
            fields.append("cooperation_start")
        customer._history_user = actor
        customer.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="customers.customer.status_changed",
            target=customer,
            before={"status": before},
            after={"status": status},
        )
        if status == CustomerStatus.ACTIVE:
            for hook in customer_activated:
                hook(customer=customer, actor=actor, now=now)
    return customer


def customer_reassign(*, actor: User, customer_id: int, owner: User) -> Customer:
    """A manager (or 总经办/admin) gives a customer to another salesperson of the department."""
    if not (actor.is_manager or actor.sees_all_departments):
        raise CustomerError(_("Only a manager may reassign customers."))
    if owner.role != Role.SALESPERSON or not owner.is_active:
        raise CustomerError(_("The owner must be an active salesperson."))
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_id, is_deleted=False)
        if actor.is_manager and (
            customer.department_id != actor.department_id or owner.department_id != actor.department_id
        ):
            raise CustomerError(_("You may only reassign within your department."))
        before = {"owner_id": customer.owner_id, "department_id": customer.department_id}
        customer.owner = owner
        customer.department_id = owner.department_id
        customer._history_user = actor
        customer.save(update_fields=["owner", "department", "updated_at"])
        audit_record(
            actor=actor,
            action="customers.customer.reassigned",
            target=customer,
            before=before,
            after={"owner_id": owner.pk, "department_id": owner.department_id},
        )
    return customer


def customer_confirm_archive(*, actor: User, customer_id: int, now: datetime | None = None) -> Customer:
    """信息已核实: the owner confirms the archive is up to date (semi-annual update, §2)."""
    now = now or timezone.now()
    with transaction.atomic():
        customer = _archive_for(actor, customer_id)
        if actor.is_salesperson and customer.owner_id != actor.pk:
            raise CustomerError(_("Only the owner confirms the archive."))
        customer.last_confirmed_at = now
        customer.last_confirmed_by = actor
        customer.save(update_fields=["last_confirmed_at", "last_confirmed_by", "updated_at"])
        audit_record(actor=actor, action="customers.customer.confirmed", target=customer, after={"at": now})
    return customer


# --- State kept for other apps (they call these; nothing else writes these fields) ----------


class GradeChangeRefused(CustomerError):
    """customer_grade_apply was called without an approved grade-change proposal."""


def customer_grade_apply(*, since: date, proposal=None, proposals=None) -> int:
    """Set the grade from approved grade-change proposals (grading.GradeProposal); returns rows changed.

    Only an approved proposal changes a grade (domain §3): every proposal given is re-read
    from the database and must be in state "approved", so a forged or stale object is refused
    (GradeChangeRefused) and nothing is written. Set-based: one check, one UPDATE per target
    grade. Called only by the grading app's services.
    """
    items = [proposal] if proposal is not None else list(proposals or [])
    if not items or any(p is None or not getattr(p, "pk", None) for p in items):
        raise GradeChangeRefused(_("A grade changes only through an approved grade-change proposal."))
    model = type(items[0])
    if model is not apps.get_model("grading", "GradeProposal") or any(type(p) is not model for p in items):
        raise GradeChangeRefused(_("A grade changes only through an approved grade-change proposal."))
    approved = {
        pk: (customer_id, to_grade, to_provisional)
        for pk, customer_id, to_grade, to_provisional in model.objects.filter(
            pk__in=[p.pk for p in items], state="approved"
        ).values_list("pk", "customer_id", "to_grade", "to_provisional")
    }
    if len(approved) != len({p.pk for p in items}):
        raise GradeChangeRefused(_("A grade changes only through an approved grade-change proposal."))
    by_grade: dict[tuple[str, bool], list[int]] = {}
    for customer_id, to_grade, to_provisional in approved.values():
        by_grade.setdefault((to_grade, to_provisional), []).append(customer_id)
    changed = 0
    for (grade, provisional), customer_ids in by_grade.items():
        changed += Customer.objects.filter(pk__in=customer_ids).update(
            grade=grade, grade_since=since, grade_provisional=provisional
        )
    return changed


def customer_blacklist_mark(*, customer_id: int, until: date) -> None:
    """Mark a customer blacklisted until `until`. Called only by the blacklist services."""
    Customer.objects.filter(pk=customer_id).update(is_blacklisted=True, blacklisted_until=until)


def customer_blacklist_clear(*, customer_ids: list[int], readmission_required: bool = True) -> None:
    """Lift the blacklist mark (expiry keeps re-admission required). Called only by blacklist services."""
    Customer.objects.filter(pk__in=customer_ids).update(
        is_blacklisted=False, blacklisted_until=None, readmission_required=readmission_required
    )


def customer_onsite_visit_record(*, customer_id: int, visited_on: date) -> None:
    """Remember the latest on-site visit (cadence, §5). Called only by the visits services."""
    Customer.objects.filter(pk=customer_id).filter(
        Q(last_onsite_visit_on__isnull=True) | Q(last_onsite_visit_on__lt=visited_on)
    ).update(last_onsite_visit_on=visited_on)


# --- Contacts, profile, yearly figures, documents --------------------------------------------

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


# --- Scheduled job ---------------------------------------------------------------------------


def archive_update_reminders_send(*, now: datetime | None = None, since: datetime | None = None) -> dict:
    """Remind owners of archives not confirmed within the policy interval (每半年反馈, §2, §7).

    One reminder per customer per overdue period: the key carries the date the confirmation
    fell due, so a rerun (or a late run) adds nothing, and a new period after the next
    confirmation gets a new reminder. An owner who has left (deactivated) reads nothing: the
    department's managers, who reassign, are reminded instead. Set-based: one read of the
    archives, one of the managers, one bulk insert.
    """
    now = now or timezone.now()
    policy = ArchivePolicy.load()
    cutoff = add_months(now, -policy.update_interval_months)
    due = (
        Customer.objects.filter(is_deleted=False)
        .exclude(status=CustomerStatus.INACTIVE)
        .filter(Q(last_confirmed_at__lt=cutoff) | Q(last_confirmed_at__isnull=True, created_at__lt=cutoff))
        .values_list(
            "pk", "name", "owner_id", "owner__is_active", "department_id", "last_confirmed_at", "created_at"
        )
    )
    rows, managers, due_count = [], None, 0
    for pk, name, owner_id, owner_active, department_id, confirmed, created in due.iterator(chunk_size=2000):
        due_count += 1
        if owner_active:
            recipients = [owner_id]
        else:
            if managers is None:
                managers = {}
                for manager_id, dept in User.objects.filter(role=Role.MANAGER, is_active=True).values_list(
                    "pk", "department_id"
                ):
                    managers.setdefault(dept, []).append(manager_id)
            recipients = managers.get(department_id, [])
        base = timezone.localdate(confirmed or created)
        due_on = add_months(base, policy.update_interval_months)
        rows.extend(
            Notification(
                recipient_id=recipient_id,
                kind="archive_update",
                title=_("Please confirm the archive of %(name)s") % {"name": name},
                body=_("The archive has not been confirmed since %(date)s (every %(months)d months).")
                % {"date": base, "months": policy.update_interval_months},
                url=reverse("customers:detail", args=[pk]),
                dedup_key=f"archive-update:{pk}:{due_on.isoformat()}",
            )
            for recipient_id in recipients
        )
    created_count = notification_bulk_send(rows=rows)
    return {"due": due_count, "reminders": created_count}
