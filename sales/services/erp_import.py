"""Import of the ERP's exports (xlsx or csv) through a column mapping per source (§13).

Upload → `erp_import_preview` parses the file with the source's saved ErpMapping and keeps the
rows on an ErpImport; the page shows what each row would do (records_plan). Confirm →
`erp_import_confirm` applies them all or nothing through ledger.records_upsert, the same
function as the API. Keyed by ERP number: importing the same file again changes nothing.
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import User
from crm.services import audit_record
from crm.uploads import XLSX, validate_upload

from ..models import ErpImport, ErpMapping
from ..permissions import erp_import_allowed
from .common import SalesError
from .ledger import DATE_FIELDS, MONEY_FIELDS, ROW_FIELDS, records_plan, records_upsert

MAX_ROWS = 50_000


def mapping_for(source: str) -> dict:
    """Field → column header; without a saved mapping the headers are the field names themselves."""
    saved = ErpMapping.objects.filter(source=source).values_list("columns", flat=True).first() or {}
    return {f: saved.get(f) or f for f in ROW_FIELDS[source]}


def _parse_date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    return date.fromisoformat(text[:10])


def _parse_money(value):
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    text = str(value).strip().replace(",", "").replace("¥", "").replace("￥", "")
    return Decimal(text).quantize(Decimal("0.01"))


def row_parse(source: str, raw: dict) -> dict:
    """Typed row from strings/cells; unreadable values become errors under "_errors"."""
    row, errors = {}, {}
    for f in ROW_FIELDS[source]:
        value = raw.get(f)
        try:
            if f in DATE_FIELDS:
                value = _parse_date(value)
            elif f in MONEY_FIELDS:
                value = _parse_money(value)
            else:
                value = "" if value is None else str(value).strip()
                if f == "erp_number":
                    value = value[:60]
        except (ValueError, InvalidOperation):
            errors[f] = [_("Not a date (YYYY-MM-DD).") if f in DATE_FIELDS else _("Not an amount.")]
            value = None
        row[f] = value
    if errors:
        row["_errors"] = errors
    return row


def file_rows(upload, *, source: str) -> list[dict]:
    """Raw rows of an xlsx or csv export, as {field: cell} through the mapping. Raises SalesError."""
    name = (upload.name or "").lower()
    mapping = mapping_for(source)
    if name.endswith(".csv"):
        data = upload.read()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise SalesError(_("The CSV file is neither UTF-8 nor GB18030."))
        table = list(csv.reader(io.StringIO(text)))
    else:
        try:
            validate_upload(upload, allowed=(XLSX,))
        except Exception as exc:
            raise SalesError(_("Upload an .xlsx or .csv file.")) from exc
        from openpyxl import load_workbook

        upload.seek(0)
        sheet = load_workbook(upload, read_only=True, data_only=True).worksheets[0]
        table = [list(r) for r in sheet.iter_rows(values_only=True)]
    if not table:
        raise SalesError(_("The file is empty."))
    header = [str(h).strip() if h is not None else "" for h in table[0]]
    index = {}
    missing = []
    for f, column in mapping.items():
        if column in header:
            index[f] = header.index(column)
        elif f in ("erp_number", "credit_code"):
            missing.append(column)
    if missing:
        raise SalesError(_("Columns not found in the file: %(columns)s.") % {"columns": "、".join(missing)})
    body = [r for r in table[1:] if any(c not in (None, "") for c in r)]
    if len(body) > MAX_ROWS:
        raise SalesError(_("At most %(n)d rows per file.") % {"n": MAX_ROWS})
    return [{f: (r[i] if i < len(r) else None) for f, i in index.items()} for r in body]


def erp_import_preview(*, actor: User, source: str, upload, now: datetime) -> tuple[ErpImport, list[dict]]:
    """Parse an export and keep it for confirmation; returns the import and its plan (nothing applied)."""
    if not erp_import_allowed(actor):
        raise SalesError(_("You may not import ERP data."), code="forbidden")
    raw_rows = file_rows(upload, source=source)
    stored = [
        {k: (str(v) if v is not None and not isinstance(v, (str, int, float)) else v) for k, v in r.items()}
        for r in raw_rows
    ]
    batch = ErpImport.objects.create(
        source=source, file_name=(upload.name or "")[:200], rows=stored, created_by=actor, created_at=now
    )
    return batch, erp_import_plan(batch)


def erp_import_plan(batch: ErpImport) -> list[dict]:
    rows = [row_parse(batch.source, r) for r in batch.rows]
    plan = records_plan(source=batch.source, rows=rows)
    for p in plan:
        if "_errors" in p["row"]:
            p["errors"] = {**p["row"]["_errors"], **p["errors"]}
            p["outcome"] = "error"
    return plan


def erp_import_confirm(*, import_id: int, actor: User, now: datetime) -> dict:
    """Apply a previewed import all or nothing; a second confirm is refused."""
    if not erp_import_allowed(actor):
        raise SalesError(_("You may not import ERP data."), code="forbidden")
    with transaction.atomic():
        batch = ErpImport.objects.select_for_update().filter(pk=import_id, created_by=actor).first()
        if batch is None:
            raise SalesError(_("Import not found."), code="not_found")
        if batch.applied_at:
            raise SalesError(_("This import has already been applied."), code="conflict")
        rows = [row_parse(batch.source, r) for r in batch.rows]
        bad = {str(i + 1): r["_errors"] for i, r in enumerate(rows) if "_errors" in r}
        if bad:
            raise SalesError(
                _("%(count)d rows have errors; nothing was imported.") % {"count": len(bad)}, fields=bad
            )
        result = records_upsert(source=batch.source, rows=rows, actor=actor, via="import", now=now)
        batch.applied_at = now
        batch.summary = result["counts"]
        batch.rows = []  # applied: the records themselves hold the data now
        batch.save(update_fields=["applied_at", "summary", "rows"])
        audit_record(actor=actor, action="sales.import.applied", target=batch, after=result["counts"])
    return result["counts"]
