"""Rows that belong to a customer the importer may see: contacts and yearly figures.

The preview decides each row against what is read once for the whole file (the customers the
rows name, their contacts or figures) and against the rows before it; the confirm writes each
staged row through the form's own service (`contact_save`, `yearly_figure_save`), so the rules
(one primary contact, the first contact is the primary one, one figure per year) live there.
These files are small (a customer has a handful of contacts): a service call per row is fine.
"""

import copy
from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from crm.models import User

from ..columns import CONTACT_COLUMNS, CREDIT_CODE, CUSTOMER_NAME, FIGURE_COLUMNS, parse_row, text
from ..models import Contact, ImportRow, ImportRowAction, YearlyFigure
from ..selectors import CHUNK, customer_list_for
from ..services import CONTACT_FIELDS, FIGURE_FIELDS, contact_save, yearly_figure_save
from ..validators import normalize_company_name, normalize_credit_code
from .customer_rows import StagedRow, whole_row

REF = ("customer", "customer__credit_code")
MODELS = {"contacts": (Contact, CONTACT_COLUMNS), "figures": (YearlyFigure, FIGURE_COLUMNS)}


_code, _name = text(normalize_credit_code), text()


def _refs(rows: list[dict]) -> list[tuple[str, str, str]]:
    """Each row's (credit code, name key, name as written) naming its customer."""
    refs = []
    for row in rows:
        code, name = _code(row.get(CREDIT_CODE)), _name(row.get(CUSTOMER_NAME))
        refs.append((code, normalize_company_name(name) if name else "", name))
    return refs


def _visible_customers(actor: User, refs) -> tuple[dict, dict]:
    codes = sorted({code for code, _key, _name in refs if code})
    names = sorted({key for code, key, _name in refs if key and not code})
    by_code, by_name = {}, {}
    for start in range(0, max(len(codes), len(names), 1), CHUNK):
        match = Q(credit_code__in=codes[start : start + CHUNK]) | Q(
            name_normalized__in=names[start : start + CHUNK]
        )
        for customer in (
            customer_list_for(actor)
            .select_related(None)
            .filter(match)
            .only("pk", "name", "credit_code", "name_normalized")
        ):
            if customer.credit_code:
                by_code.setdefault(customer.credit_code, customer)
            by_name.setdefault(customer.name_normalized, customer)
    return by_code, by_name


def child_rows_plan(*, actor: User, kind: str, rows: list[dict]) -> Iterable[StagedRow]:
    model, columns = MODELS[kind]
    headers = {c.attribute: c.header for c in columns}
    refs = _refs(rows)
    by_code, by_name = _visible_customers(actor, refs)
    found = [by_code.get(code) if code else by_name.get(key) for code, key, _name in refs]
    ids = sorted({c.pk for c in found if c is not None})
    # The records these rows may update, by (customer, name) or (customer, year); rows of the
    # file join them as they are planned (a repeated row updates what the row before created).
    records = {}
    for start in range(0, len(ids), CHUNK):
        for record in model.objects.filter(customer_id__in=ids[start : start + CHUNK]).order_by("pk"):
            records.setdefault(_key(kind, record.customer_id, record), record)
    primaries = {}  # customer id → the keys of its primary contacts
    if kind == "contacts":
        for key, record in records.items():
            if record.is_primary:
                primaries.setdefault(record.customer_id, set()).add(key)
    for number, (row, (code, _name_key, name), customer) in enumerate(
        zip(rows, refs, found, strict=True), start=2
    ):
        values, errors = parse_row(row, columns, skip=REF)
        if customer is None:
            message = (
                _("No customer “%(ref)s” among the customers you may see.") % {"ref": code or name}
                if code or name
                else _("Give the customer's full name or credit code.")
            )
            errors = {CUSTOMER_NAME: [message], **errors}
            yield _error_row(number, errors)
            continue
        key = _key(kind, customer.pk, values)
        existing = records.get(key) if key is not None else None
        record = copy.copy(existing) if existing is not None else model(customer_id=customer.pk)
        record.customer = customer
        tracked = set(values) | ({"is_primary"} if kind == "contacts" else set())
        before = {a: getattr(record, a) for a in tracked}
        for attribute, value in values.items():
            setattr(record, attribute, value)
        if kind == "contacts":
            _primary_rule(record, key, primaries.setdefault(customer.pk, set()))
        failed = {a for a, h in headers.items() if h in errors}
        try:
            record.full_clean(
                exclude={"customer"} | failed, validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            for attribute, messages in exc.message_dict.items():
                column = whole_row() if attribute == NON_FIELD_ERRORS else headers.get(attribute, attribute)
                errors.setdefault(column, []).extend(messages)
        if errors:
            yield _error_row(number, errors)
            continue
        records[key] = record
        label = f"{customer.name} · {record.name}" if kind == "contacts" else str(record)
        if existing is None:
            yield StagedRow(
                number=number,
                action=ImportRowAction.CREATE,
                label=label,
                values={**_written(kind, record), "customer_id": customer.pk},
            )
            continue
        changed = [
            c
            for c in columns
            if c.attribute in before and getattr(record, c.attribute) != before[c.attribute]
        ]
        row_ = StagedRow(number=number, label=label, target_id=existing.pk, action=ImportRowAction.SKIP)
        if changed:
            row_.action = ImportRowAction.UPDATE
            row_.changes = [
                [c.header, c.render(before[c.attribute]), c.render(getattr(record, c.attribute))]
                for c in changed
            ]
            row_.values = {**_written(kind, record), "customer_id": customer.pk}
        yield row_


def _key(kind: str, customer_id: int, source):
    get = source.get if isinstance(source, dict) else lambda a: getattr(source, a)
    value = get("name") if kind == "contacts" else get("year")
    return (customer_id, value) if value not in (None, "") else None


def _primary_rule(contact: Contact, key, primaries: set) -> None:
    """As `contact_save` decides it: a new primary replaces the old one; a customer's first contact is primary."""
    if contact.is_primary:
        primaries.clear()
        primaries.add(key)
    elif not (primaries - {key}):
        contact.is_primary = True
        primaries.add(key)
    else:
        primaries.discard(key)


def _written(kind: str, record) -> dict:
    fields = CONTACT_FIELDS if kind == "contacts" else FIGURE_FIELDS + ("year",)
    return {f: getattr(record, f) for f in fields}


def _error_row(number: int, errors: dict) -> StagedRow:
    return StagedRow(
        number=number,
        action=ImportRowAction.ERROR,
        errors=[[column, message] for column, messages in errors.items() for message in messages],
    )


def child_rows_write(*, actor: User, kind: str, rows: Iterable[ImportRow], progress=None) -> None:
    """Write the staged rows through the form's services, in the file's order."""
    model = MODELS[kind][0]
    for done, row in enumerate(rows, start=1):
        values = {name: model._meta.get_field(name).to_python(v) for name, v in row.values.items()}
        customer_id = values.pop("customer_id")
        if kind == "contacts":
            contact_save(actor=actor, customer_id=customer_id, data=values, contact_id=row.target_id)
        else:
            yearly_figure_save(actor=actor, customer_id=customer_id, year=values.pop("year"), data=values)
        if progress is not None:
            progress(done)
