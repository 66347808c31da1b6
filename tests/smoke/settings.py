"""Settings of the smoke test (scripts/smoke.sh): production settings plus one slow test job.

Everything comes from crm.settings and the environment the driver sets (DEBUG off, a secret
key, PostgreSQL, Redis). Added here only: the `smoke-slow` job, which the driver kills in the
middle, and a Redis redelivery sweep that runs every two seconds instead of every ~100, so that
a message left unacknowledged by a killed worker comes back within the test's time.
"""

from crm.settings import *  # noqa: F403
from crm.settings import CELERY_BROKER_TRANSPORT_OPTIONS, CRM_JOBS

CRM_JOBS = {**CRM_JOBS, "smoke-slow": "tests.smoke.jobs.slow_job"}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "unacked_restore_interval": 2,
    "unacked_restore_throttle": 1,
}
