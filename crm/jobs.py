"""The job runner: every scheduled job of domain §7 runs through `run_job(name)`.

A job is a service function `fn(*, now, since) -> dict`. The runner
- refuses to run a job that is already running (a PostgreSQL advisory lock, released by the
  server if the worker dies; on SQLite a `running_since` claim that goes stale after an hour),
- passes `since`, the start of its last successful run (the watermark), so a job that was
  missed while beat was down catches up in one run,
- records the summary and moves the watermark only on success.
Jobs themselves are idempotent (unique keys per reminder and period), so a redelivered or
repeated run changes nothing.
"""

import logging
import zlib
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import JobState

logger = logging.getLogger(__name__)

STALE_CLAIM = timedelta(hours=1)


class JobAlreadyRunning(Exception):
    pass


class UnknownJob(KeyError):
    pass


def job_names() -> list[str]:
    return list(settings.CRM_JOBS)


def job_function(name: str):
    try:
        return import_string(settings.CRM_JOBS[name])
    except KeyError as exc:
        raise UnknownJob(name) from exc


@contextmanager
def job_lock(name: str, *, now: datetime):
    if connection.vendor == "postgresql":
        key = zlib.crc32(f"crm-job:{name}".encode())
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [key])
            if not cur.fetchone()[0]:
                raise JobAlreadyRunning(name)
        try:
            yield
        finally:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [key])
    else:
        with transaction.atomic():
            JobState.objects.get_or_create(name=name)
            claimed = JobState.objects.filter(name=name).filter(
                running_since__isnull=True
            ) | JobState.objects.filter(name=name, running_since__lt=now - STALE_CLAIM)
            if not claimed.update(running_since=now):
                raise JobAlreadyRunning(name)
        try:
            yield
        finally:
            JobState.objects.filter(name=name).update(running_since=None)


def run_job(name: str, *, now: datetime | None = None) -> dict:
    """Run one scheduled job now, synchronously; returns its summary."""
    fn = job_function(name)
    now = now or timezone.now()
    state, _ = JobState.objects.get_or_create(name=name)
    with job_lock(name, now=now):
        JobState.objects.filter(name=name).update(last_started_at=now)
        try:
            summary = fn(now=now, since=state.last_success_at) or {}
        except Exception as exc:
            JobState.objects.filter(name=name).update(last_error=repr(exc)[:2000])
            raise
        JobState.objects.filter(name=name).update(last_success_at=now, last_summary=summary, last_error="")
    logger.info("job %s done: %s", name, summary)
    return summary
