"""Celery tasks of complaints. The hourly complaint-deadlines job runs through crm.run_job
(settings.CELERY_BEAT_SCHEDULE); this task lets an operator trigger it on its own."""

from celery import shared_task

from crm.jobs import run_job


@shared_task(name="complaints.deadlines_escalate")
def complaint_deadlines_escalate_task():
    return run_job("complaint-deadlines")
