"""Import and export services of the archive (domain §2, Excel).

An import is staged: the uploaded workbook is checked (real type, size, rows), kept under
MEDIA_ROOT (outside the web root) and run as a dry run whose every bad row and column is
reported; nothing is written until the user confirms. The confirmed run is all-or-nothing
(one transaction, rolled back on any bad row) and idempotent (unchanged rows are skipped).
"""

import logging
import uuid
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

import tablib
from defusedxml.ElementTree import iterparse as defused_iterparse
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.results import RowResult
from openpyxl import load_workbook

from crm.models import User
from crm.services import audit_record
from crm.uploads import XLSX, validate_upload
from crm.xlsx import workbook

from .models import AccessAction, Contact, Customer, ImportBatch, YearlyFigure
from .permissions import import_allowed
from .resources import RESOURCES
from .services import CustomerError, access_log_record_many

logger = logging.getLogger(__name__)

KINDS = {
    "customers": gettext_lazy("Customers"),
    "contacts": gettext_lazy("Contacts"),
    "figures": gettext_lazy("Yearly figures"),
}


def kind_choices():
    return [(k, str(v)) for k, v in KINDS.items()]


@dataclass
class RowReport:
    number: int  # the row as Excel shows it (the header is row 1)
    status: str
    errors: list = field(default_factory=list)  # (column, message)


@dataclass
class ImportReport:
    kind: str
    file_name: str
    total: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    bad_rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # whole-file problems
    # The rows to create and to update, each update with its changes [column, old, new]
    # (field test 16: an update that would put back an older value is seen before confirming).
    rows: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.bad_rows and not self.problems


@dataclass
class StagedImport:
    token: str
    kind: str
    file_name: str
    path: str
    report: ImportReport
    # The version of each existing customer the preview matched: the confirm refuses to
    # overwrite one that a colleague changed in between.
    versions: dict = field(default_factory=dict)

    def token_data(self) -> dict:
        return {
            "token": self.token,
            "kind": self.kind,
            "name": self.file_name,
            "path": self.path,
            "versions": self.versions,
        }


# Excel's own limit; a sheet claiming rows beyond it was not written by Excel.
EXCEL_MAX_ROWS = 1_048_576


_ROW_TAG = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}row"


def _ensure_sheets_within_limit(content: bytes) -> None:
    """Count the data rows of every sheet in one streaming pass; stop at the first over the limit.

    openpyxl, even read-only, parses a whole sheet that lacks a <dimension> element before
    giving the first row (a million rows: ten seconds). This pass reads no further than
    IMPORT_MAX_ROWS rows, with defusedxml refusing entity declarations (billion laughs, XXE).
    """
    limit = settings.IMPORT_MAX_ROWS + 1  # and the header row
    with zipfile.ZipFile(BytesIO(content)) as zf:
        for name in zf.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            seen = 0
            with zf.open(name) as fh:
                for _event, element in defused_iterparse(fh, events=("end",)):
                    if element.tag != _ROW_TAG:
                        continue
                    if "".join(element.itertext()).strip():
                        seen += 1
                        if seen > limit:
                            raise CustomerError(
                                _(
                                    "The file has more than %(max)d rows; at most %(max)d may be imported at once."
                                )
                                % {"max": settings.IMPORT_MAX_ROWS}
                            )
                    element.clear()


def _read_rows(content: bytes) -> tuple[list, list]:
    """The first sheet's header row and its non-blank data rows, streamed.

    openpyxl reads in read-only mode (XML parsed by defusedxml: no entity tricks) and reading
    stops at the first data row over IMPORT_MAX_ROWS, so a file of a million rows is refused
    within a second or two, before anything is held in memory. A sheet whose rows run past
    Excel's last row (a forged row number to make a reader fill a gap) is refused too.
    """
    limit = settings.IMPORT_MAX_ROWS
    damaged = _("The file is damaged or is not an Excel workbook (.xlsx).")
    try:
        _ensure_sheets_within_limit(content)
        book = load_workbook(BytesIO(content), read_only=True, data_only=True)
    except CustomerError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        logger.info("unreadable workbook: %s", exc)
        raise CustomerError(damaged) from exc
    headers, rows = None, []
    try:
        for number, row in enumerate(book.active.iter_rows(values_only=True), start=1):
            if number > EXCEL_MAX_ROWS:
                raise CustomerError(damaged)
            if headers is None:
                headers = list(row)
            elif any(v not in (None, "") for v in row):
                rows.append(row)
                if len(rows) > limit:
                    raise CustomerError(
                        _("The file has more than %(max)d rows; at most %(max)d may be imported at once.")
                        % {"max": limit}
                    )
    except CustomerError:
        raise
    except Exception as exc:
        logger.info("unreadable worksheet: %s", exc)
        raise CustomerError(damaged) from exc
    finally:
        book.close()
    return headers or [], rows


def _load_dataset(content: bytes, resource):
    raw_headers, rows = _read_rows(content)
    headers = [str(h).strip() if h is not None else "" for h in raw_headers]
    width = len(headers)
    # Rows shorter or longer than the header (cells left of the data) are cut to its width.
    rows = [tuple(r[:width]) + (None,) * (width - len(r)) for r in rows]
    dataset = tablib.Dataset(*rows, headers=headers)
    missing = [c for c in resource.required_columns if c not in headers]
    if missing:
        raise CustomerError(
            _("The first row must hold the column headers; missing: %(cols)s.") % {"cols": "、".join(missing)}
        )
    if not rows:
        raise CustomerError(_("The file has no data rows."))
    return dataset


def _messages(error) -> list[str]:
    if isinstance(error, ValidationError):
        return list(error.messages)
    return [str(error)]


def _report(resource, result, kind: str, file_name: str) -> ImportReport:
    totals = result.totals
    report = ImportReport(
        kind=kind,
        file_name=file_name,
        total=result.total_rows,
        new=totals.get(RowResult.IMPORT_TYPE_NEW, 0),
        updated=totals.get(RowResult.IMPORT_TYPE_UPDATE, 0),
        skipped=totals.get(RowResult.IMPORT_TYPE_SKIP, 0),
    )
    whole_row = _("(whole row)")
    for invalid in result.invalid_rows:
        errors = []
        for attr, messages in invalid.error_dict.items():
            column = whole_row if attr == NON_FIELD_ERRORS else resource.column_of(attr)
            errors.extend((column, m) for m in messages)
        report.bad_rows.append(RowReport(number=invalid.number + 1, status="invalid", errors=errors))
    for number, errors in result.row_errors():
        for e in errors:
            logger.warning("import row %s failed: %r", number, e.error)
        report.bad_rows.append(
            RowReport(
                number=number + 1,
                status="error",
                errors=[(whole_row, _("This row could not be saved; check its values."))],
            )
        )
    for e in result.base_errors:
        logger.warning("import failed: %r", e.error)
        report.problems.append(_("The file could not be read as a %(kind)s import.") % {"kind": KINDS[kind]})
    report.bad_rows.sort(key=lambda r: r.number)
    return report


def _name_related(rows: list[dict]) -> list[dict]:
    """Foreign keys in the preview's changes (the owner) shown by login name: one query for all."""
    ids = {v[1] for r in rows for change in r["changes"] for v in change[1:] if isinstance(v, tuple)}
    names = dict(User.objects.filter(pk__in=ids).values_list("pk", "username")) if ids else {}
    for r in rows:
        r["changes"] = [
            [column, *((names.get(v[1], "") if isinstance(v, tuple) else v) for v in (old, new))]
            for column, old, new in r["changes"]
        ]
        r["changes"] = [c for c in r["changes"] if c[1] != c[2]]
    return rows


def _run(*, actor: User, kind: str, content: bytes, dry_run: bool, file_name: str, progress=None):
    resource = RESOURCES[kind](user=actor, progress=progress)
    dataset = _load_dataset(content, resource)
    if progress is not None:
        progress(0, total=len(dataset))
    result = resource.import_data(
        dataset,
        dry_run=dry_run,
        use_transactions=True,
        rollback_on_validation_errors=True,
    )
    report = _report(resource, result, kind, file_name)
    report.rows = _name_related(resource.preview_rows)
    return result, report


def import_file_check(*, actor: User, kind: str, file) -> bytes:
    """The uploaded workbook's bytes once its kind, type and size are checked (raises CustomerError)."""
    if not import_allowed(actor):
        raise CustomerError(_("You may not import customer archives."))
    if kind not in KINDS:
        raise CustomerError(_("Unknown kind of import."))
    try:
        validate_upload(file, allowed=(XLSX,), max_bytes=settings.IMPORT_MAX_BYTES)
    except ValidationError as exc:
        raise CustomerError(" ".join(exc.messages)) from exc
    return file.read()


def import_stage(*, actor: User, kind: str, file, progress=None) -> StagedImport:
    """Check the workbook and dry-run it: the report names every bad row and column; nothing is written."""
    content = import_file_check(actor=actor, kind=kind, file=file)
    name = getattr(file, "name", "") or "import.xlsx"
    return import_stage_content(actor=actor, kind=kind, content=content, name=name, progress=progress)


def import_stage_content(*, actor: User, kind: str, content: bytes, name: str, progress=None) -> StagedImport:
    """`import_stage` of bytes already checked (the background check of an ImportJob)."""
    result, report = _run(
        actor=actor, kind=kind, content=content, dry_run=True, file_name=name, progress=progress
    )
    versions = {}
    if kind == "customers":
        matched = {
            r.object_id
            for r in result.rows
            if r.object_id and r.import_type in (RowResult.IMPORT_TYPE_UPDATE, RowResult.IMPORT_TYPE_SKIP)
        }
        versions = {
            str(pk): v for pk, v in Customer.objects.filter(pk__in=matched).values_list("pk", "version")
        }
    token = uuid.uuid4().hex
    path = default_storage.save(f"imports/{token}.xlsx", ContentFile(content)) if report.ok else ""
    return StagedImport(token=token, kind=kind, file_name=name, path=path, report=report, versions=versions)


def _ensure_unchanged_since_preview(versions: dict) -> None:
    """Lock the customers the preview matched; refuse if any was changed or removed since."""
    if not versions:
        return
    current = {
        str(pk): (version, name)
        for pk, version, name in Customer.objects.select_for_update()
        .filter(pk__in=[int(k) for k in versions], is_deleted=False)
        .values_list("pk", "version", "name")
    }
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


def import_discard(staged: dict) -> None:
    if staged.get("path"):
        default_storage.delete(staged["path"])


def import_commit(*, actor: User, staged: dict, progress=None) -> ImportBatch:
    """Run a staged import for real: all rows or none; records an ImportBatch and an audit entry."""
    if not import_allowed(actor):
        raise CustomerError(_("You may not import customer archives."))
    path, kind = staged.get("path", ""), staged.get("kind", "")
    if kind not in KINDS or not path.startswith("imports/") or not default_storage.exists(path):
        raise CustomerError(_("This import has expired; please upload the file again."))
    try:
        with default_storage.open(path, "rb") as fh:
            content = fh.read()
        with transaction.atomic():
            _ensure_unchanged_since_preview(staged.get("versions") or {})
            result, report = _run(
                actor=actor,
                kind=kind,
                content=content,
                dry_run=False,
                file_name=staged["name"],
                progress=progress,
            )
            if not report.ok:
                # The data changed since the preview (a colleague edited a customer): nothing is kept.
                raise CustomerError(
                    _("The import now finds problems (rows %(rows)s); nothing was imported.")
                    % {
                        "rows": ", ".join(str(r.number) for r in report.bad_rows[:20]) or "—",
                    }
                )
            batch = ImportBatch.objects.create(
                kind=kind,
                file_name=staged["name"][:200],
                rows=report.total,
                created=report.new,
                updated=report.updated,
                user=actor,
                department_id=actor.department_id,
            )
            audit_record(
                actor=actor,
                action="customers.import.done",
                target=batch,
                after={"kind": kind, "rows": report.total, "created": report.new, "updated": report.updated},
            )
    finally:
        default_storage.delete(path)
    return batch


# --- Export -----------------------------------------------------------------------------------


def _export_queryset(kind: str, customers: QuerySet[Customer]):
    if kind == "customers":
        return customers.select_related("owner", "department").order_by("id")
    if kind == "contacts":
        return (
            Contact.objects.filter(customer__in=customers)
            .select_related("customer")
            .order_by("customer_id", "id")
        )
    return (
        YearlyFigure.objects.filter(customer__in=customers)
        .select_related("customer")
        .order_by("customer_id", "-year")
    )


def export_xlsx(*, actor: User, kind: str, customers: QuerySet[Customer], template: bool = False) -> bytes:
    """The visible (already filtered) customers' data as an xlsx; cells that a spreadsheet would
    evaluate as formulas are neutralised; confidential customers get an access-log entry."""
    resource = RESOURCES[kind](user=actor)
    qs = _export_queryset(kind, customers.none() if template else customers)
    dataset = resource.export(queryset=qs)
    content = workbook((KINDS[kind], dataset.headers, dataset))
    if not template:
        confidential = customers.confidential().select_related(None).only("pk", "is_key", "grade", "tier")
        logged = access_log_record_many(
            user=actor, customers=confidential, action=AccessAction.EXPORT, detail=kind
        )
        audit_record(
            actor=actor,
            action="customers.export.done",
            after={"kind": kind, "rows": len(dataset), "confidential": logged},
        )
    return content
