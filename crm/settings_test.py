"""Settings of the test suite (pytest: `[tool.pytest.ini_options]` in pyproject.toml).

The settings of crm/settings.py, read from the environment as anywhere else, then the values
tests need: fast, in memory, synchronous, nothing cached between tests. crm/settings.py has no
test branch. CI runs with no .env and DEBUG off, where settings.py refuses to start without
SECRET_KEY and ALLOWED_HOSTS: they are given test-only values here before it is read (a value
in the environment still wins for SECRET_KEY; the hosts are always the test client's).
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-insecure-key-never-use-in-production-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")

from .settings import *  # noqa: E402, F403
from .settings import STORAGES  # noqa: E402

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "[::1]"]
# Hashing with the real hasher costs ~100 ms per user created.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# A test changes a policy or the data behind a chart and reads it back at once.
POLICY_CACHE_SECONDS = 0
DASHBOARD_CHART_CACHE_SECONDS = 0
# Tasks run in the test's process, their errors raised in the test.
CELERY_TASK_ALWAYS_EAGER = True
# No collectstatic before tests: static files are served from the finders.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
