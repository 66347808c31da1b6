"""Celery task of visits: the overdue-visits job, through the job runner (lock, watermark)."""

from celery import shared_task

from crm import jobs


@shared_task(name="visits.overdue_visits_notify", acks_late=True, reject_on_worker_lost=True)
def overdue_visits_notify() -> dict:
    try:
        return jobs.run_job("overdue-visits")
    except jobs.JobAlreadyRunning:
        return {"skipped": "already running"}
