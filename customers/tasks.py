"""Celery tasks of the archive: the import's check and its write, run by the worker."""

from celery import shared_task

from crm.tasks import RELIABLE

from . import import_jobs


@shared_task(name="customers.import_check", **RELIABLE)
def import_check(job_id: str) -> None:
    import_jobs.import_job_check(job_id=job_id)


@shared_task(name="customers.import_commit", **RELIABLE)
def import_commit(job_id: str) -> None:
    import_jobs.import_job_commit(job_id=job_id)
