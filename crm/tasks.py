"""Celery tasks of the core: one generic task runs any scheduled job by name."""

from celery import shared_task

from . import jobs, services


@shared_task(name="crm.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(name: str) -> dict:
    try:
        return jobs.run_job(name)
    except jobs.JobAlreadyRunning:
        return {"skipped": "already running"}


@shared_task(name="crm.notification_emails_send", acks_late=True, reject_on_worker_lost=True)
def notification_emails_send() -> dict:
    return services.notification_outbox_drain()
