"""Celery tasks of the core: one generic task runs any scheduled job by name.

Every task here is idempotent, acknowledged only once it has finished (acks_late) and given
back to the queue if the process running it dies (reject_on_worker_lost): a job killed in
the middle is run again, and the second run redoes nothing that the first one committed.
"""

import logging

from celery import shared_task
from django.db import OperationalError

from . import jobs, services

logger = logging.getLogger(__name__)

RELIABLE = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    # A database restart or a dropped connection: try again a little later.
    "autoretry_for": (OperationalError,),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


@shared_task(name="crm.run_job", **RELIABLE)
def run_job(name: str) -> dict:
    try:
        return jobs.run_job(name)
    except jobs.JobAlreadyRunning:
        # The other run processes everything due; this message has nothing left to do.
        logger.info("job %s is already running; skipped", name)
        return {"skipped": "already running"}


@shared_task(name="crm.jobs_catch_up", **RELIABLE)
def jobs_catch_up() -> list[str]:
    """Queue every scheduled job that missed its run (beat was down, a message was lost)."""
    names = jobs.jobs_due_for_catch_up()
    for name in names:
        logger.warning("job %s missed its schedule; running it now", name)
        run_job.delay(name)
    return names


@shared_task(name="crm.notification_emails_send", **RELIABLE)
def notification_emails_send() -> dict:
    from .notify.outbox import channel_deliveries_send

    summary = services.notification_outbox_drain()
    channel_deliveries_send()  # the 企业微信 / 钉钉 messages the drain has just queued
    return summary
