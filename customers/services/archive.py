"""The customer archive itself: create, update, status, owner, confirmation (domain §2).

Services are keyword-only, own their transaction, check the rules (raising CustomerError with
a message for the user), write an audit entry and leave side effects to after commit. The
pieces of `customer_create` and `customer_update` that decide a rule (the owner, admission,
normalisation, validation) are functions of their own: the import (customers.imports) calls
the same ones for each row.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.forms import messages_from
from crm.models import Role, User
from crm.registry import customer_activated
from crm.services import audit_record

from ..models import BusinessProfile, Customer, CustomerStatus
from ..pinyin import set_customer_keys
from ..selectors import customer_admission_conflict
from ..validators import normalize_credit_code


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


def customer_normalise(customer: Customer) -> None:
    """The stored forms of what a person typed: the credit code, the name's keys (name_normalized, pinyin)."""
    customer.credit_code = normalize_credit_code(customer.credit_code)
    set_customer_keys(customer)


def _clean_and_save(customer: Customer) -> None:
    customer_normalise(customer)
    try:
        customer.full_clean()
    except ValidationError as exc:
        raise CustomerError(messages_from(exc)) from exc
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as exc:
        raise CustomerError(_("A customer with this name or credit code already exists.")) from exc


def customer_owner_resolve(*, actor: User, owner: User | None) -> User:
    """The owner of a new archive: a salesperson owns what they create; others choose a salesperson
    of their department (any department for 总经办/admin). Raises CustomerError."""
    if actor.role == Role.SALESPERSON or owner is None:
        owner = actor
    if owner.role != Role.SALESPERSON and owner != actor:
        raise CustomerError(_("The owner must be a salesperson."))
    if not actor.sees_all_departments and owner.department_id != actor.department_id:
        raise CustomerError(_("The owner must belong to your department."))
    if owner.department_id is None:
        raise CustomerError(_("The owner has no department."))
    return owner


def customer_create_allowed(actor: User) -> bool:
    return actor.role in (Role.SALESPERSON, Role.ASSISTANT, Role.MANAGER, Role.ADMIN)


def customer_build(*, actor: User, owner: User | None, data: dict, now: datetime) -> Customer:
    """A new archive, not yet saved: the editable fields of `data`, owned by `owner` (resolved by
    `customer_owner_resolve`; None only while an import row with a bad owner is checked further),
    in the owner's department, created and confirmed by `actor` at `now`."""
    customer = Customer(
        owner=owner,
        department_id=owner.department_id if owner else None,
        created_by=actor,
        last_confirmed_at=now,
        last_confirmed_by=actor,
    )
    customer_apply(customer, data)
    return customer


def customer_apply(customer: Customer, data: dict) -> None:
    """Set the editable fields given in `data` (never grade, status, blacklist or owner)."""
    for field in EDITABLE_FIELDS:
        if field in data:
            setattr(customer, field, data[field])


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
    if not customer_create_allowed(actor):
        raise CustomerError(_("You may not create customers."))
    owner = customer_owner_resolve(actor=actor, owner=owner)
    with transaction.atomic():
        ensure_admissible(name=data.get("name", ""), credit_code=data.get("credit_code", ""), actor=actor)
        customer = customer_build(actor=actor, owner=owner, data=data, now=now)
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
        customer_apply(customer, data)
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
    customer_normalise(customer)
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
