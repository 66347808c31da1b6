"""The import service: check the workbook, stage every row (the preview), write the staged rows (the confirm).

The preview reads the file once, decides every row with the rules of the form's services and
stores the result as ImportRows (normalised values, the changes old → new, the problems by row
and column). Nothing of the archive is written. The confirm reads only those rows, never the
file: it re-checks what may have changed since (a customer edited since the preview, a company
blacklisted since), then writes all rows or none in one transaction and records an ImportBatch
and an audit entry. A second confirm of the same job returns the first one's batch.
"""

import json
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.db import copy_insert
from crm.models import User
from crm.services import audit_record
from crm.uploads import XLSX, validate_upload

from ..columns import REQUIRED
from ..models import ImportBatch, ImportJob, ImportJobState, ImportRow, ImportRowAction
from ..permissions import import_allowed
from ..services import CustomerError
from .child_rows import child_rows_plan, child_rows_write
from .customer_rows import (
    StagedRow,
    customer_rows_admission_recheck,
    customer_rows_check,
    customer_rows_create,
    customer_rows_plan,
    customer_rows_update,
)
from .workbook import read_table

KINDS = {
    "customers": gettext_lazy("Customers"),
    "contacts": gettext_lazy("Contacts"),
    "figures": gettext_lazy("Yearly figures"),
}
# The preview lists at most this many rows to create or update (the counts cover all).
PREVIEW_ROWS = 2000
# Staged rows are written (and the progress reported) this many at a time.
STAGE_BATCH = 1000


def kind_choices():
    return [(k, str(v)) for k, v in KINDS.items()]


@dataclass
class RowReport:
    number: int  # the row as Excel shows it (the header is row 1)
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
    # The first PREVIEW_ROWS rows to create or update: {"row", "type", "label", "changes"}, each
    # change [column, old, new] (field test 16: an older value put back is seen before confirming).
    rows: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.bad_rows and not self.problems


@dataclass
class StagedImport:
    job: ImportJob
    report: ImportReport


def import_ensure_allowed(actor: User) -> None:
    """The importer's role, checked by every step of the service (the views only ask import_allowed)."""
    if not import_allowed(actor):
        raise PermissionDenied(_("You may not import customer archives."))


def import_file_check(*, actor: User, kind: str, file) -> bytes:
    """The uploaded workbook's bytes once its kind, type and size are checked (raises CustomerError)."""
    import_ensure_allowed(actor)
    if kind not in KINDS:
        raise CustomerError(_("Unknown kind of import."))
    try:
        validate_upload(file, allowed=(XLSX,), max_bytes=settings.IMPORT_MAX_BYTES)
    except ValidationError as exc:
        raise CustomerError(" ".join(exc.messages)) from exc
    return file.read()


def import_stage(*, actor: User, kind: str, file, now=None, progress=None) -> StagedImport:
    """Check the workbook and stage its rows in a new ImportJob: the report names every bad row and
    column; nothing of the archive is written. Raises CustomerError for a file that cannot be read."""
    content = import_file_check(actor=actor, kind=kind, file=file)
    name = (getattr(file, "name", "") or "import.xlsx")[:200]
    job = ImportJob.objects.create(user=actor, kind=kind, file_name=name, state=ImportJobState.CHECKING)
    try:
        import_stage_rows(job=job, content=content, now=now, progress=progress)
    except CustomerError:
        job.delete()
        raise
    return StagedImport(job=job, report=import_report(job))


def import_stage_rows(*, job: ImportJob, content: bytes, now=None, progress=None) -> None:
    """Read the job's workbook, decide every row and store them (ImportRow, in batches, the progress
    counting the rows staged); the job is then READY, or REJECTED if a row has a problem."""
    import_ensure_allowed(job.user)
    now = now or timezone.now()
    _headers, rows = read_table(content, REQUIRED[job.kind])
    total = len(rows)
    if progress is not None:
        progress(0, total=total)
    if job.kind == "customers":
        planned = customer_rows_plan(actor=job.user, rows=rows, now=now)
    else:
        planned = child_rows_plan(actor=job.user, kind=job.kind, rows=rows)
    counts, batch, done = Counter(), [], 0
    job.rows.all().delete()  # a check redelivered to the worker starts again
    for row in planned:
        row.label = row.label[:400]
        counts[row.action] += 1
        batch.append(row)
        if len(batch) == STAGE_BATCH:
            _stage(job, batch)
            done += len(batch)
            batch = []
            if progress is not None:
                progress(done, total=total)
    _stage(job, batch)
    job.report = {
        "total": total,
        "new": counts[ImportRowAction.CREATE],
        "updated": counts[ImportRowAction.UPDATE],
        "skipped": counts[ImportRowAction.SKIP],
        "errors": counts[ImportRowAction.ERROR],
    }
    job.state = ImportJobState.REJECTED if counts[ImportRowAction.ERROR] else ImportJobState.READY
    job.save(update_fields=["report", "state", "updated_at"])


STAGED_COLUMNS = (
    "job_id",
    "number",
    "action",
    "label",
    "values",
    "target_id",
    "target_version",
    "changes",
    "errors",
)


def _stage(job: ImportJob, rows: list[StagedRow]) -> None:
    """Store a batch of staged rows as the job's ImportRows (COPY on PostgreSQL: crm.db.copy_insert)."""
    if not rows:
        return
    job_key = ImportRow._meta.get_field("job").get_db_prep_value(job.pk, connection)  # a UUID

    def as_json(value) -> str:
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)

    copy_insert(
        ImportRow._meta.db_table,
        STAGED_COLUMNS,
        (
            (
                job_key,
                r.number,
                r.action,
                r.label,
                as_json(r.values),
                r.target_id,
                r.target_version,
                as_json(r.changes),
                as_json(r.errors),
            )
            for r in rows
        ),
    )


def import_report(job: ImportJob) -> ImportReport:
    """The preview of a staged job, read from its rows: every bad row, the first rows to write."""
    summary = job.report or {}
    report = ImportReport(
        kind=job.kind,
        file_name=job.file_name,
        total=summary.get("total", 0),
        new=summary.get("new", 0),
        updated=summary.get("updated", 0),
        skipped=summary.get("skipped", 0),
        problems=list(summary.get("problems", [])),
    )
    for number, errors in job.rows.filter(action=ImportRowAction.ERROR).values_list("number", "errors"):
        report.bad_rows.append(RowReport(number=number, errors=[tuple(e) for e in errors]))
    shown = (
        job.rows.filter(action__in=(ImportRowAction.CREATE, ImportRowAction.UPDATE))
        .order_by("number")
        .values_list("number", "action", "label", "changes")[:PREVIEW_ROWS]
    )
    report.rows = [
        {
            "row": n,
            "type": "new" if a == ImportRowAction.CREATE else "update",
            "label": label,
            "changes": changes,
        }
        for n, a, label, changes in shown
    ]
    return report


def import_commit(*, actor: User, job_id, now=None, progress=None) -> ImportBatch:
    """Write a staged import: all rows or none, from the staged rows only (the file is not read)."""
    import_ensure_allowed(actor)
    now = now or timezone.now()
    expired = _("This import has expired; please upload the file again.")
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id, user=actor).first()
        if job is None:
            raise CustomerError(expired)
        if job.batch_id:
            return job.batch  # a second confirm (a double tap, a redelivered task): the first one's result
        if job.state not in (ImportJobState.READY, ImportJobState.IMPORTING):
            raise CustomerError(expired)
        # Read in parts, never all the staged values at once (peak memory, bench).
        counts = dict(job.rows.values_list("action").annotate(n=Count("pk")).order_by())
        created, updated = counts.get(ImportRowAction.CREATE, 0), counts.get(ImportRowAction.UPDATE, 0)
        creates = job.rows.filter(action=ImportRowAction.CREATE).order_by("number")
        if progress is not None:
            progress(0, total=created + updated)
        try:
            if job.kind == "customers":
                customer_rows_check(
                    rows=list(
                        job.rows.filter(
                            action__in=(ImportRowAction.UPDATE, ImportRowAction.SKIP)
                        ).values_list("target_id", "target_version")
                    )
                )
                customer_rows_admission_recheck(
                    actor=actor,
                    staged=[
                        (v["name_normalized"], v.get("credit_code", ""))
                        for v in creates.values_list("values", flat=True).iterator(chunk_size=STAGE_BATCH)
                    ],
                )
                customer_rows_create(
                    actor=actor,
                    rows=creates.values_list("values", flat=True).iterator(chunk_size=STAGE_BATCH),
                    now=now,
                    progress=progress,
                )
                customer_rows_update(
                    actor=actor,
                    rows=list(
                        job.rows.filter(action=ImportRowAction.UPDATE).values_list("target_id", "values")
                    ),
                    now=now,
                    done=created,
                    progress=progress,
                )
            else:
                child_rows_write(
                    actor=actor,
                    kind=job.kind,
                    rows=job.rows.filter(
                        action__in=(ImportRowAction.CREATE, ImportRowAction.UPDATE)
                    ).order_by("number"),
                    progress=progress,
                )
        except IntegrityError as exc:
            # Only what changed since the preview can get here (a duplicate saved in between).
            raise CustomerError(
                _(
                    "Since the preview, a customer with one of these names or credit codes was saved; nothing "
                    "was imported. Upload the file again to see the new preview."
                )
            ) from exc
        batch = ImportBatch.objects.create(
            kind=job.kind,
            file_name=job.file_name[:200],
            rows=(job.report or {}).get("total", created + updated),
            created=created,
            updated=updated,
            user=actor,
            department_id=actor.department_id,
        )
        audit_record(
            actor=actor,
            action="customers.import.done",
            target=batch,
            after={"kind": job.kind, "rows": batch.rows, "created": batch.created, "updated": batch.updated},
        )
        job.batch, job.state = batch, ImportJobState.DONE
        job.save(update_fields=["batch", "state", "updated_at"])
        job.rows.all().delete()  # written: the staged rows have served
    return batch
