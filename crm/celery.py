"""The Celery application. The beat schedule lives in settings (CELERY_BEAT_SCHEDULE).

Processes (docker-compose.yml, scripts/smoke.sh):
    celery -A crm worker          the worker (as many as needed)
    celery -A crm beat            the scheduler: exactly one
    celery -A crm worker --beat   both in one process (`make run`, the embedded default)
"""

import logging
import os

from celery import Celery
from celery.signals import beat_init

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
