"""Settings of the benchmark process: production settings, plus the bare views' URLconf.

bench/run.py sets the environment (DATABASE_URL of the bench database, DEBUG off) before
Django reads crm.settings, so pages are measured as production serves them (cached
templates, no debug toolbar-like overhead); only what a test client cannot do is changed.
"""

from crm.settings import *  # noqa: F403
from crm.settings import STORAGES

# The bare views (framework floor) live in a URLconf of the bench only.
ROOT_URLCONF = "bench.urls"
# Production uses the hashed-name manifest of collectstatic; the bench does not collect.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# Logging of every job summary would drown the table.
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
