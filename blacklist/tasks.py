"""Celery tasks of the blacklist. The daily expiry runs through the generic `crm.run_job`
("blacklist-expiry" in CELERY_BEAT_SCHEDULE); this task lets it be queued by hand."""

from celery import shared_task

from crm.tasks import RELIABLE


@shared_task(name="blacklist.entries_expire", **RELIABLE)
def blacklist_entries_expire() -> dict:
    from crm.jobs import run_job

    return run_job("blacklist-expiry")
