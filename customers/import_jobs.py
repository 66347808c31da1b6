"""Imports run by the worker while the page shows their progress (field test 16).

Checking a 5,000-row file takes seconds; a request that long shows nothing and ties up a web
worker. So the upload only checks the file's type and size, stores it and queues the check
(`import_job_check`), which stages every row (customers.imports) and deletes the file; the page
polls the progress (rows staged out of rows in the file) that the worker writes to the cache,
then shows the preview from the staged rows: counts, every bad row and column, the rows to
create and to update with each change old → new. Confirming queues the import itself
(`import_job_commit`), again with its progress (staged rows written out of rows to write).
Nothing is written before the confirm; the confirm writes all rows or none.

A broker that cannot be reached (Redis down) does not refuse the import: the step runs in the
request instead, slower but the same.
"""

import logging
import time

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerUnavailable

from crm.models import User

from . import imports
from .models import ImportJob, ImportJobState
from .services import CustomerError

logger = logging.getLogger(__name__)

PROGRESS_TTL = 3600
# The worker writes the progress at most this often (every row would cost more than the row).
PROGRESS_EVERY_SECONDS = 0.5


def _progress_key(job_id) -> str:
    return f"customers:import-progress:{job_id}"


def import_progress(job_id) -> dict:
    """{"phase", "done", "total"} as the worker last wrote it; empty before it started."""
    return cache.get(_progress_key(job_id)) or {}


def _progress_writer(job_id, phase: str):
    state = {"total": 0, "written": 0.0}

    def progress(done: int, total: int | None = None) -> None:
        if total is not None:
            state["total"] = total
        now = time.monotonic()
        last = done + 1 >= state["total"]
        if total is None and not last and now - state["written"] < PROGRESS_EVERY_SECONDS:
            return
        state["written"] = now
        cache.set(
            _progress_key(job_id),
            {
                "phase": phase,
                "done": min(done + 1 if total is None else done, state["total"]),
                "total": state["total"],
            },
            PROGRESS_TTL,
        )

    return progress


def _dispatch(task_name: str, job_id) -> None:
    from . import tasks

    try:
        getattr(tasks, task_name).delay(str(job_id))
    except BrokerUnavailable:
        logger.warning("broker unavailable: running %s for import %s in the request", task_name, job_id)
        getattr(tasks, task_name).apply(args=[str(job_id)])


def import_job_start(*, actor: User, kind: str, file) -> ImportJob:
    """Check the upload's kind, type and size, keep the file, and queue its check."""
    content = imports.import_file_check(actor=actor, kind=kind, file=file)
    _forget_old_jobs(actor)
    name = (getattr(file, "name", "") or "import.xlsx")[:200]
    job = ImportJob(user=actor, kind=kind, file_name=name)
    job.path = default_storage.save(f"imports/{job.id.hex}.xlsx", ContentFile(content))
    job.save()
    cache.set(_progress_key(job.pk), {"phase": "checking", "done": 0, "total": 0}, PROGRESS_TTL)
    _dispatch("import_check", job.pk)
    return job


def _claim(job_id, *, from_states: tuple, to_state: str) -> ImportJob | None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state not in from_states:
            return None  # already taken (a redelivered task, a second click)
        job.state = to_state
        job.save(update_fields=["state", "updated_at"])
    return job


def import_job_check(*, job_id) -> None:
    """The worker's dry run of a queued import: stores the preview; nothing else is written."""
    # CHECKING too: a check whose worker died is redelivered (acks_late) and done again.
    job = _claim(
        job_id, from_states=(ImportJobState.QUEUED, ImportJobState.CHECKING), to_state=ImportJobState.CHECKING
    )
    if job is None:
        return
    try:
        with default_storage.open(job.path, "rb") as fh:
            content = fh.read()
        imports.import_stage_rows(job=job, content=content, progress=_progress_writer(job.pk, "checking"))
    except (CustomerError, PermissionDenied) as exc:
        _finish(job, state=ImportJobState.REJECTED, message=str(exc))
        return
    except Exception:
        logger.exception("import %s: the check failed", job.pk)
        _finish(
            job, state=ImportJobState.FAILED, message=_("The file could not be checked; please try again.")
        )
        raise
    _finish(job, state=job.state)  # READY or REJECTED, as the staging decided


def import_job_confirm(*, actor: User, job_id) -> ImportJob:
    """The user confirms a checked import: queue it (a second click finds it already queued)."""
    imports.import_ensure_allowed(actor)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id, user=actor).first()
        if job is None:
            raise CustomerError(_("This import has expired; please upload the file again."))
        if job.state in (ImportJobState.IMPORTING, ImportJobState.DONE):
            return job
        if job.state != ImportJobState.READY:
            raise CustomerError(_("This import has expired; please upload the file again."))
        job.state = ImportJobState.IMPORTING
        job.save(update_fields=["state", "updated_at"])
    cache.set(
        _progress_key(job.pk),
        {"phase": "importing", "done": 0, "total": _rows_to_write(job)},
        PROGRESS_TTL,
    )
    _dispatch("import_commit", job.pk)
    job.refresh_from_db()
    return job


def _rows_to_write(job: ImportJob) -> int:
    summary = job.report or {}
    return summary.get("new", 0) + summary.get("updated", 0)


def import_job_commit(*, job_id) -> None:
    """The worker's import of a confirmed job: its staged rows, all or none (customers.imports.import_commit)."""
    job = ImportJob.objects.select_related("user").filter(pk=job_id, state=ImportJobState.IMPORTING).first()
    if job is None or job.batch_id:
        return
    try:
        imports.import_commit(actor=job.user, job_id=job.pk, progress=_progress_writer(job.pk, "importing"))
    except (CustomerError, PermissionDenied) as exc:
        _finish(job, state=ImportJobState.FAILED, message=str(exc))
        return
    job.refresh_from_db()
    _finish(job, state=ImportJobState.DONE)


def import_job_discard(*, actor: User, job_id) -> None:
    job = ImportJob.objects.filter(pk=job_id, user=actor).exclude(state=ImportJobState.IMPORTING).first()
    if job is not None and job.state != ImportJobState.DONE:
        if job.path:
            default_storage.delete(job.path)
        job.delete()


def _forget_old_jobs(user: User) -> None:
    """A new upload ends the importer's earlier previews that were never confirmed (and their files)."""
    stale = ImportJob.objects.filter(user=user).exclude(
        state__in=(ImportJobState.QUEUED, ImportJobState.CHECKING, ImportJobState.IMPORTING)
    )
    for path in stale.exclude(path="").values_list("path", flat=True):
        default_storage.delete(path)
    stale.delete()


def _finish(job: ImportJob, *, state: str, message: str = "") -> None:
    # The file has served once the check is over: the confirm reads only the staged rows.
    if job.path:
        default_storage.delete(job.path)
        job.path = ""
    job.state, job.message = state, message
    job.save()
    cache.delete(_progress_key(job.pk))
