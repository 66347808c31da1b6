"""The customer rows of an import: the preview decides each row once, the confirm writes it.

Every rule comes from the functions `customer_create` / `customer_update` use (customers.services):
the owner (`customer_owner_resolve`, among `salespeople_for` as in the form), the new archive
(`customer_build`), normalisation and the matching key (`customer_normalise`), admission
(`admission_conflict_among`, the rule of `customer_admission_conflict`) and the refusal's text.
What a row is checked against (the archives it may update, the holders of its credit code and
name, the blacklisted companies, the owners) is read once for the whole file: no query per row.
"""

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from crm.db import copy_insert, copy_insert_objects
from crm.models import User

from ..columns import CUSTOMER_COLUMNS, OWNER, parse_row
from ..models import BusinessProfile, Customer, ImportRowAction
from ..selectors import (
    CHUNK,
    admission_conflict_among,
    customer_list_for,
    customers_blacklisted_matching,
    salespeople_for,
)
from ..services import (
    CustomerError,
    admission_refusal_message,
    customer_apply,
    customer_build,
    customer_normalise,
    customer_owner_resolve,
)
from ..validators import normalize_company_name

IMPORTED = [c for c in CUSTOMER_COLUMNS if not c.readonly and c.attribute != "owner"]
HEADER = {c.attribute: c.header for c in CUSTOMER_COLUMNS}
# Set from objects already checked (the owner from salespeople_for, its department, the importer):
# full_clean need not read them again, one query each per row.
RESOLVED = ("owner", "department", "created_by", "last_confirmed_by")
KEYS = ("name_normalized", "name_pinyin", "pinyin_keys")
BATCH = 2000


@dataclass(slots=True)
class StagedRow:
    """A row as the preview decided it, stored as an ImportRow (a plain object: a model instance a
    row cost more than the row's own checks)."""

    number: int
    action: str = ImportRowAction.ERROR
    label: str = ""
    values: dict = field(default_factory=dict)
    target_id: int | None = None
    target_version: int | None = None
    changes: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def whole_row() -> str:
    return _("(whole row)")


class Archive:
    """What the rows of one file are checked against, read once."""

    def __init__(self, actor: User, parsed: list[dict]):
        codes = sorted({v["credit_code"] for v in parsed if v.get("credit_code")})
        # Each name's matching key, computed once for the file (the plan of each row reads it).
        self.name_keys = {v["name"]: normalize_company_name(v["name"]) for v in parsed if v.get("name")}
        names = sorted(set(self.name_keys.values()))
        self.by_code, self.by_name = {}, {}
        self.code_holders, self.name_holders, self.holder_keys = {}, {}, {}
        for start in range(0, max(len(codes), len(names), 1), CHUNK):
            match = Q(credit_code__in=codes[start : start + CHUNK]) | Q(
                name_normalized__in=names[start : start + CHUNK]
            )
            # The archives the importer may see and so update, by credit code, else by name.
            for customer in customer_list_for(actor).filter(match):
                if customer.credit_code:
                    self.by_code.setdefault(customer.credit_code, customer)
                self.by_name.setdefault(customer.name_normalized, customer)
            # Every archive holding a code (deleted ones too) or a name (live ones): uniqueness.
            for pk, code, name, deleted in Customer.objects.filter(match).values_list(
                "pk", "credit_code", "name_normalized", "is_deleted"
            ):
                self.hold(pk, code, "" if deleted else name)
        self.blocked = customers_blacklisted_matching(names=names, codes=codes)
        self.owners = {u.username.casefold(): u for u in salespeople_for(actor)}

    def find(self, code: str, name_key: str) -> Customer | None:
        if code:
            return self.by_code.get(code)
        return self.by_name.get(name_key) if name_key else None

    def hold(self, key, code: str, name: str) -> None:
        """`key` (a pk, or a row of the file) now holds this code and name."""
        old_code, old_name = self.holder_keys.pop(key, ("", ""))
        self.code_holders.get(old_code, set()).discard(key)
        self.name_holders.get(old_name, set()).discard(key)
        if code:
            self.code_holders.setdefault(code, set()).add(key)
        if name:
            self.name_holders.setdefault(name, set()).add(key)
        self.holder_keys[key] = (code, name)

    def taken(self, key, *, code: str = "", name: str = "") -> bool:
        holders = self.code_holders.get(code, set()) if code else self.name_holders.get(name, set())
        return bool(holders - {key})


def _validate(customer: Customer, errors: dict) -> None:
    """The model's own checks (full_clean), less uniqueness (checked against the Archive)."""
    failed = {a for a, c in HEADER.items() if c in errors}
    try:
        customer.full_clean(exclude=set(RESOLVED) | failed, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for attribute, messages in exc.message_dict.items():
            column = whole_row() if attribute == NON_FIELD_ERRORS else HEADER.get(attribute, attribute)
            errors.setdefault(column, []).extend(messages)


def _check_admission_and_duplicates(archive: Archive, actor: User, customer: Customer, key, errors: dict):
    if not customer.is_blacklisted:
        # 准入 first: a blacklisted company is refused as such, not as a duplicate.
        blocked = admission_conflict_among(
            archive.blocked,
            name_key=customer.name_normalized,
            credit_code=customer.credit_code,
            exclude_pk=customer.pk,
        )
        if blocked is not None:
            errors.setdefault(whole_row(), []).append(admission_refusal_message(blocked, actor))
            return
    if customer.credit_code and archive.taken(key, code=customer.credit_code):
        errors.setdefault(HEADER["credit_code"], []).append(
            _("Another customer (perhaps of another department) already has this credit code.")
        )
    if customer.name and archive.taken(key, name=customer.name_normalized):
        errors.setdefault(HEADER["name"], []).append(
            _("Another customer (perhaps of another department) already has this name.")
        )


def _error_row(number: int, errors: dict) -> StagedRow:
    return StagedRow(
        number=number,
        action=ImportRowAction.ERROR,
        errors=[[column, message] for column, messages in errors.items() for message in messages],
    )


def customer_rows_plan(*, actor: User, rows: list[dict], now) -> Iterable[StagedRow]:
    """Each row of the file decided once: to create, to update (with its changes), unchanged, or
    refused (every problem by column), as StagedRows in the file's order. `rows`
    (the cells as read) is emptied once they are parsed."""
    parsed = [parse_row(row, CUSTOMER_COLUMNS) for row in rows]
    rows.clear()  # the cells as read are not needed any more (peak memory, bench)
    archive = Archive(actor, [values for values, _errors in parsed])
    for number, (values, errors) in enumerate(parsed, start=2):  # the header is row 1
        owner_name = values.pop("owner", "")
        owner = None
        if owner_name:
            owner = archive.owners.get(owner_name.casefold())
            if owner is None:
                errors[OWNER] = [
                    _("“%(name)s” is not an active salesperson of your department (give the login name).")
                    % {"name": owner_name}
                ]
        name_key = archive.name_keys[values["name"]] if values.get("name") else ""
        existing = archive.find(values.get("credit_code", ""), name_key)
        if existing is None:
            yield _plan_create(archive, actor, number, values, owner, errors, now)
        else:
            yield _plan_update(archive, actor, number, values, owner, errors, existing)


def _plan_create(archive, actor, number, values, owner, errors, now) -> StagedRow:
    if OWNER not in errors:
        if owner is None and not actor.is_salesperson:
            errors[OWNER] = [_("Give the owner salesperson's login name.")]
        else:
            try:
                owner = customer_owner_resolve(actor=actor, owner=owner)
            except CustomerError as exc:
                errors[OWNER], owner = [str(exc)], None
    customer = customer_build(actor=actor, owner=owner, data=values, now=now)
    customer_normalise(customer)
    _validate(customer, errors)
    key = ("row", number)
    _check_admission_and_duplicates(archive, actor, customer, key, errors)
    if errors:
        return _error_row(number, errors)
    archive.hold(key, customer.credit_code, customer.name_normalized)
    written = {a: getattr(customer, a) for a in values} | {k: getattr(customer, k) for k in KEYS}
    return StagedRow(
        number=number,
        action=ImportRowAction.CREATE,
        label=customer.name,
        values={**written, "owner_id": owner.pk},
    )


def _plan_update(archive, actor, number, values, owner, errors, existing) -> StagedRow:
    if owner is not None and owner.pk != existing.owner_id:
        # Existing archives keep their owner: reassignment is the manager's action (客户页面).
        errors[OWNER] = [_("The owner of an existing customer is changed by a manager on the customer page.")]
    customer = copy.copy(existing)  # another row may name the same archive: the preloaded one stays as read
    before = {a: getattr(customer, a) for a in values}
    customer_apply(customer, values)
    customer_normalise(customer)
    _validate(customer, errors)
    _check_admission_and_duplicates(archive, actor, customer, customer.pk, errors)
    if errors:
        return _error_row(number, errors)
    archive.hold(customer.pk, customer.credit_code, "" if customer.is_deleted else customer.name_normalized)
    changed = [
        c for c in IMPORTED if c.attribute in values and getattr(customer, c.attribute) != before[c.attribute]
    ]
    row = StagedRow(
        number=number,
        label=customer.name,
        target_id=customer.pk,
        target_version=customer.version,  # the confirm refuses if it changed since
    )
    if not changed:  # re-importing the same file changes nothing
        row.action = ImportRowAction.SKIP
        return row
    row.action = ImportRowAction.UPDATE
    row.changes = [
        [c.header, c.render(before[c.attribute]), c.render(getattr(customer, c.attribute))] for c in changed
    ]
    row.values = {c.attribute: getattr(customer, c.attribute) for c in changed} | {
        k: getattr(customer, k) for k in KEYS
    }
    return row


# --- the confirm ------------------------------------------------------------------------------


def _typed(values: dict) -> dict:
    """The staged JSON values back as Python values of the model's fields (dates, decimals)."""
    return {name: Customer._meta.get_field(name).to_python(value) for name, value in values.items()}


def customer_rows_check(*, rows: list[tuple]) -> None:
    """Lock the archives the preview matched; refuse the import if any changed or went since.

    `rows` are (target_id, target_version) of the update and unchanged rows.
    """
    versions = dict(rows)
    if not versions:
        return
    current = {}
    ids = list(versions)
    for start in range(0, len(ids), CHUNK):
        current.update(
            (pk, (version, name))
            for pk, version, name in Customer.objects.select_for_update()
            .filter(pk__in=ids[start : start + CHUNK], is_deleted=False)
            .values_list("pk", "version", "name")
        )
    changed = [
        current.get(pk, (None, f"#{pk}"))[1] for pk, v in versions.items() if current.get(pk, (None,))[0] != v
    ]
    if changed:
        raise CustomerError(
            _(
                "Since the preview, someone changed %(names)s; nothing was imported. Upload the file again to see "
                "the new preview."
            )
            % {"names": "、".join(changed[:10]) + ("…" if len(changed) > 10 else "")}
        )


def customer_rows_admission_recheck(*, actor: User, staged: list[tuple[str, str]]) -> None:
    """A company blacklisted since the preview is refused now: one read for every row (name key, code)."""
    names = sorted({name for name, _code in staged if name})
    codes = sorted({code for _name, code in staged if code})
    blocked = customers_blacklisted_matching(names=names, codes=codes)
    for name, code in staged:
        found = admission_conflict_among(blocked, name_key=name, credit_code=code)
        if found is not None:
            raise CustomerError(admission_refusal_message(found, actor))


def customer_rows_create(*, actor: User, rows: Iterable[dict], now, progress=None) -> None:
    """Create the staged new archives, each with its 经营信息 and history rows, a batch at a time
    (`rows` may be an iterator: the staged values are read a batch at a time too)."""
    owners, done, rows = {}, 0, iter(rows)
    while chunk := [_typed(values) for values in islice(rows, BATCH)]:
        wanted = {values["owner_id"] for values in chunk} - set(owners)
        owners.update((u.pk, u) for u in User.objects.filter(pk__in=wanted).only("pk", "department_id"))
        batch = []
        for values in chunk:
            customer = customer_build(actor=actor, owner=owners[values.pop("owner_id")], data=values, now=now)
            for key in KEYS:
                setattr(customer, key, values[key])
            batch.append(customer)
        saved = copy_insert_objects(Customer, batch)
        _history_insert(Customer, saved, user=actor, date=now)
        # Each archive has its 经营信息 from the start, as customer_create makes it.
        profiles = copy_insert_objects(BusinessProfile, [BusinessProfile(customer_id=c.pk) for c in saved])
        _history_insert(BusinessProfile, profiles, user=actor, date=now)
        done += len(batch)
        if progress is not None:
            progress(done)


def customer_rows_update(*, actor: User, rows: list[tuple[int, dict]], now, done=0, progress=None) -> None:
    """Write the staged changes of existing archives (locked by `customer_rows_check`), with history."""
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        customers = Customer.objects.in_bulk([pk for pk, _values in chunk])
        fields = set()
        for pk, values in chunk:
            customer = customers[pk]
            for name, value in _typed(values).items():
                setattr(customer, name, value)
                fields.add(name)
            customer.version += 1
            customer.updated_at = now  # bulk_update does not apply auto_now
        bulk_update_with_history(
            [customers[pk] for pk, _values in chunk],
            Customer,
            sorted(fields) + ["version", "updated_at"],
            batch_size=BATCH,
            default_user=actor,
            default_date=now,
        )
        if progress is not None:
            progress(done + start + len(chunk))


HISTORY_FIELDS = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}


def _history_insert(model, objs, *, user: User, date) -> None:
    """The "created" history rows of `objs` (django-simple-history's, as bulk_create_with_history
    writes them), in one COPY on PostgreSQL (crm.db.copy_insert) instead of an INSERT of Python-
    prepared values: the bulk of the confirm's time (bench, issue 15)."""
    history = model.history.model
    tracked = [f.attname for f in history._meta.concrete_fields if f.name not in HISTORY_FIELDS]
    columns = tracked + ["history_date", "history_change_reason", "history_type", "history_user_id"]
    copy_insert(
        history._meta.db_table,
        columns,
        (tuple(getattr(obj, a) for a in tracked) + (date, None, "+", user.pk) for obj in objs),
    )
