"""The job runner: every scheduled job of domain §7 runs through `run_job(name)`.

A job is a service function `fn(*, now, since) -> dict`. The runner
- refuses to run a job that is already running. On PostgreSQL with a session-level advisory
  lock: the server releases it when the holding connection ends, so a worker killed in the
  middle of a job (SIGKILL, OOM, a lost network) leaves no stale lock behind. On SQLite (the
  embedded default) with a `running_since` claim that goes stale after the job time limit;
- passes `since`, the start of its last successful run (the watermark), read under the lock,
  so a job that was missed while beat or the worker was down catches up in one run;
- records the summary and moves the watermark only on success.
Jobs themselves are idempotent (unique keys per reminder and period), so a redelivered or
repeated run changes nothing. `jobs_due_for_catch_up` finds the jobs whose schedule was missed
(beat down, a message lost), judged by the same watermark.
"""

import copy
import logging
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from . import db
from .models import JobState

logger = logging.getLogger(__name__)

LOCK_WAIT_SECONDS = 5  # see crm.db._advisory_lock_acquire


class JobAlreadyRunning(db.LockTaken):
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


def advisory_lock_key(name: str) -> int:
    return db.advisory_lock_key(f"crm-job:{name}")


def stale_claim_age() -> timedelta:
    # A run older than the hard time limit of the task cannot still be alive.
    return timedelta(seconds=settings.CELERY_JOB_TIME_LIMIT)


@contextmanager
def job_lock(name: str, *, now: datetime):
    """Hold the lock of job `name` for the block; raises JobAlreadyRunning if it is taken.

    The advisory lock on PostgreSQL; on SQLite the job's `running_since` claim (crm.db).
    """

    def claim() -> bool:
        with transaction.atomic():
            JobState.objects.get_or_create(name=name)
            free = JobState.objects.filter(name=name, running_since__isnull=True)
            stale = JobState.objects.filter(name=name, running_since__lt=now - stale_claim_age())
            return bool((free | stale).update(running_since=now))

    def release() -> None:
        JobState.objects.filter(name=name).update(running_since=None)

    with db.exclusive_lock(
        advisory_lock_key(name),
        wait_seconds=LOCK_WAIT_SECONDS,
        claim=claim,
        release=release,
        refused=JobAlreadyRunning(name),
    ):
        yield


def run_job(name: str, *, now: datetime | None = None) -> dict:
    """Run one scheduled job now, synchronously; returns its summary.

    Raises UnknownJob for a name not in settings.CRM_JOBS and JobAlreadyRunning when another
    run holds the lock. A failing job keeps its watermark, so the next run redoes the period.
    """
    fn = job_function(name)
    now = now or timezone.now()
    JobState.objects.get_or_create(name=name)
    with job_lock(name, now=now):
        # Read under the lock: a run that finished just before us has moved the watermark.
        since = JobState.objects.values_list("last_success_at", flat=True).get(name=name)
        updates = {"last_started_at": now}
        if db.vendor_is_postgresql():
            updates["running_since"] = now  # shown in the admin; the lock is the advisory lock
        JobState.objects.filter(name=name).update(**updates)
        try:
            summary = fn(now=now, since=since) or {}
        except BaseException as exc:  # also the soft time limit and a worker shutdown
            JobState.objects.filter(name=name).update(last_error=repr(exc)[:2000], running_since=None)
            logger.exception("job %s failed", name)
            raise
        JobState.objects.filter(name=name).update(
            last_success_at=now, last_summary=summary, last_error="", running_since=None
        )
    logger.info("job %s done: %s", name, summary)
    return summary


def scheduled_jobs() -> dict[str, object]:
    """The beat schedule of each job run through crm.run_job, by job name."""
    return {
        entry["args"][0]: entry["schedule"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "crm.run_job"
    }


def next_due_after(schedule, last_run: datetime, *, now: datetime) -> datetime:
    """When `schedule` (a celery crontab) was or will be due next after `last_run`."""
    schedule = copy.copy(schedule)
    schedule.nowfun = lambda: now
    return now + schedule.remaining_estimate(last_run)


def jobs_due_for_catch_up(*, now: datetime | None = None) -> list[str]:
    """The scheduled jobs that missed a run: due since their last success, by more than the grace.

    A job that never succeeded has no watermark yet; its first scheduled run starts it.
    The grace leaves time for a run just queued by beat to finish before it counts as missed.
    """
    now = now or timezone.now()
    grace = timedelta(minutes=settings.CRM_JOB_CATCH_UP_GRACE_MINUTES)
    schedules = scheduled_jobs()
    last_success = dict(
        JobState.objects.filter(name__in=schedules, last_success_at__isnull=False).values_list(
            "name", "last_success_at"
        )
    )
    return [
        name
        for name, schedule in schedules.items()
        if name in last_success and next_due_after(schedule, last_success[name], now=now) + grace < now
    ]


def jobs_due_at_start(*, now: datetime | None = None) -> list[str]:
    """What to run when the CRM starts (`runjob --due`): every scheduled job that never ran, and
    every one that missed a run.

    Without it a fresh demo shows overdue customers but no reminder until the next 07:00.
    Jobs are idempotent, so running one that was not strictly due changes nothing twice.
    """
    now = now or timezone.now()
    schedules = scheduled_jobs()
    ran = set(
        JobState.objects.filter(name__in=schedules, last_success_at__isnull=False).values_list(
            "name", flat=True
        )
    )
    missed = set(jobs_due_for_catch_up(now=now))
    return [name for name in schedules if name not in ran or name in missed]
