"""The Celery application, and the broker settings crm/settings.py builds with it.

The beat schedule is settings.CELERY_BEAT_SCHEDULE, built from the table of jobs in
crm/job_schedule.py.

Processes (docker-compose.yml, scripts/smoke.sh):
    celery -A crm worker          the worker (as many as needed)
    celery -A crm beat            the scheduler: exactly one
    celery -A crm worker --beat   both in one process (`make run`, the embedded default)
"""

import logging
import os
from pathlib import Path

from celery import Celery
from celery.signals import beat_init
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

logger = logging.getLogger(__name__)

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@beat_init.connect
def _catch_up_at_beat_start(sender, **kwargs):
    """A beat that was down (or starts with a fresh schedule file) first runs what was missed.

    Only a message is sent; the worker compares each job's watermark with its schedule
    (crm.jobs.jobs_due_for_catch_up). If the broker is down, the hourly entry does it later.
    """
    try:
        app.send_task("crm.jobs_catch_up")
    except Exception:
        logger.warning("could not queue the job catch-up at beat start", exc_info=True)


def redis_transport_options(*, visibility_timeout: int, job_time_limit: int) -> dict:
    """CELERY_BROKER_TRANSPORT_OPTIONS of Redis; refuses a visibility timeout a job could outlast.

    Redis redelivers an unacknowledged message after the visibility timeout: were it shorter
    than a job's hard limit, a job still running would be started a second time (the job
    lock would refuse it, but the redelivery is lost work).
    """
    if visibility_timeout <= job_time_limit:
        raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must be longer than CELERY_JOB_TIME_LIMIT.")
    return {
        "visibility_timeout": visibility_timeout,
        "socket_connect_timeout": 5,
        "socket_timeout": 30,
        "socket_keepalive": True,
        "health_check_interval": 30,
    }


def filesystem_broker(folder: Path) -> tuple[str, dict]:
    """The embedded broker: kombu's filesystem transport in `folder` (created), no server to install.

    Returns CELERY_BROKER_URL and CELERY_BROKER_TRANSPORT_OPTIONS.
    """
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    # A hostname keeps kombu from warning "No hostname was supplied" on every command.
    return "filesystem://localhost/", {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "store_processed": False,
        # kombu's default is ./control, in whatever folder the worker was started from
        "control_folder": str(folder / "control"),
    }
