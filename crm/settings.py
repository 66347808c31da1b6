"""Settings of the CRM, in one file, read from the environment (django-environ).

Every variable is in `.env.example` and the README's configuration table (tests/crm/
test_settings.py keeps them agreeing). The embedded default is a development machine: SQLite
under `var/`, a Celery broker on the local disk, e-mail to the console. Production sets
`DATABASE_URL`, `REDIS_URL`, `SECRET_KEY` and `ALLOWED_HOSTS` (it refuses to start without the
last two). Beside it: the table of jobs (crm/job_schedule.py), the broker options (crm/celery.py).
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from crm.celery import filesystem_broker, redis_transport_options
from crm.job_schedule import beat_schedule, job_functions

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")
# Read after .env, which may set it too (.env.example).
VAR_DIR = Path(env.str("CRM_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)

# Empty (as in .env.example) counts as unset: development values with DEBUG, else no start.
SECRET_KEY = env.str("SECRET_KEY", default="") or (
    "dev-only-insecure-key-never-use-in-production-0123456789abcdef" if DEBUG else ""  # noqa: S105
)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[]) or (
    ["127.0.0.1", "localhost", "testserver", "[::1]"] if DEBUG else []
)
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The CSRF failure page in Chinese in the site's layout (templates/403_csrf.html).
CSRF_FAILURE_VIEW = "crm.views.csrf_failure"
# What the customer page (its panels, and the one-to-one relations they read, joined to the
# customer query) and the 工作台 show of the upper apps, listed in one module (screens): `crm`
# and `customers` reach it only through these paths (crm/registry.py).
CUSTOMER_PAGE_PANELS = "screens.customer_page.panels"
CUSTOMER_PAGE_RELATED = "screens.customer_page.related"
WORKBENCH_WIDGETS = "screens.workbench.widgets"

INSTALLED_APPS = [
    "crm",
    "customers",
    "grading",
    "visits",
    "complaints",
    "blacklist",
    "engagement",
    "sales",
    "surveys",
    "reports",
    "screens",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "import_export",
    "simple_history",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A NUL byte in the query string: 400, before any view or database sees it (inside CSP and
    # the security headers, so the 400 page carries them too).
    "crm.middleware.BadQueryStringMiddleware",
    "crm.middleware.IdleTimeoutMiddleware",
    # Writes every 403 (a refused role, a failed CSRF check) to the audit trail.
    "crm.middleware.PermissionRefusalLogMiddleware",
    # A POST with a one-time submission key runs once (crm.submissions, issue 13.4).
    "crm.submissions.SubmissionOnceMiddleware",
    # Last, so that it sees the outcome of the authentication backends.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.context_processors.crm",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections, checked before each request reuses one: a connection the database
# killed (restart, failover, idle timeout) is replaced instead of failing the user's request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the Celery worker write while the web process reads.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users, login ---------------------------------------------------------------------------
AUTH_USER_MODEL = "crm.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "crm.password_validation.MinimumLengthValidator"},  # its messages in Chinese
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes: lock a username only from the IP that failed, so a colleague behind the same
# office NAT is not locked out by someone else's typos.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The cool-off counts from the failure that locked: tries during a lockout neither count nor
# extend it (one try every 29 minutes kept a colleague out for good). The page says until when.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "crm.lockouts.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Every failed log-in is kept (axes' AccessFailureLog, read-only in the admin).
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# axes prints a banner at every start of every process (five times in `make run`): off.
AXES_VERBOSE = False
# The client address: behind the TLS proxy, the last X-Forwarded-For entry (crm/security.py).
CRM_BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
AXES_CLIENT_IP_CALLABLE = "crm.security.client_ip"

# Sessions: idle timeout (seconds) enforced by crm.middleware.IdleTimeoutMiddleware.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=8 * 3600)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Security headers (production values come from the environment) -------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if CRM_BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Checks of `manage.py check --deploy` switched off on purpose, e.g. security.W021 (HSTS
# preload) for a CRM served from a sub-domain, which cannot be on the browsers' preload list.
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# django-csp 4: no inline script anywhere; scripts and styles come from our own origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploaded files (qualification documents, evidence, photos) live outside the web root
    # and are served only through views that check who may see them.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=20000)
# An Office file (.xlsx/.docx) is a zip: each part, and all parts together, may unpack to at most
# this much, checked before anything parses it (a 1 MB workbook unpacking to 95 MB held a worker
# for a minute and a half). A 20,000-row import unpacks to well under both.
OFFICE_MAX_PART_BYTES = env.int("OFFICE_MAX_PART_BYTES", default=16 * 1024 * 1024)
OFFICE_MAX_UNPACKED_BYTES = env.int("OFFICE_MAX_UNPACKED_BYTES", default=64 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="crm@localhost")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Message channels (crm/notify, docs/notifications.md) ------------------------------------
# 企业微信 application messages to one person (by User.wecom_userid); empty: not used.
WECOM_CORP_ID = env.str("WECOM_CORP_ID", default="")
WECOM_AGENT_ID = env.str("WECOM_AGENT_ID", default="")
WECOM_SECRET = env.str("WECOM_SECRET", default="")
WECOM_API_BASE = env.str("WECOM_API_BASE", default="https://qyapi.weixin.qq.com")
# 钉钉 work notifications to one person (by User.dingtalk_userid); empty: not used.
DINGTALK_APP_KEY = env.str("DINGTALK_APP_KEY", default="")
DINGTALK_APP_SECRET = env.str("DINGTALK_APP_SECRET", default="")
DINGTALK_AGENT_ID = env.str("DINGTALK_AGENT_ID", default="")
DINGTALK_API_BASE = env.str("DINGTALK_API_BASE", default="https://oapi.dingtalk.com")
# Daily digest: the time it leaves for people who did not choose one (local time, HH:MM).
NOTIFICATION_DIGEST_DEFAULT_TIME = env.str("NOTIFICATION_DIGEST_DEFAULT_TIME", default="08:00")

# The company's name at the head of every printed form and PDF (domain §12).
COMPANY_NAME = env.str("COMPANY_NAME", default="示例制造有限公司")
# Policy rows (SingletonPolicy.load) are kept per process this long; 0 reads them every time.
POLICY_CACHE_SECONDS = env.int("POLICY_CACHE_SECONDS", default=60)
# Seconds the 工作台 keeps a viewer's chart data (per user, role, department, language and
# day) in the process's cache; the figures in tiles are always live.
DASHBOARD_CHART_CACHE_SECONDS = env.int("DASHBOARD_CHART_CACHE_SECONDS", default=300)

# --- Celery ---------------------------------------------------------------------------------
# Scheduled work must survive a worker killed mid-job and a Redis outage (domain §7):
# - tasks are acknowledged after they finish (acks_late) and given back to the queue when the
#   process running them dies (reject_on_worker_lost); jobs are idempotent, so a redelivery
#   changes nothing that was already done;
# - a job is hard-killed after CELERY_JOB_TIME_LIMIT; Redis's visibility timeout, after which
#   it redelivers an unacknowledged message, must be longer (crm.celery checks it);
# - the web process never waits long on a broker that is down: publishing gives up after a
#   couple of quick retries, and the notification outbox sweep delivers what was not queued.
CELERY_JOB_TIME_LIMIT = env.int("CELERY_JOB_TIME_LIMIT", default=3600)
REDIS_URL = env.str("REDIS_URL", default="")

# A cache the web processes and the worker share (the import's progress, customers.import_jobs;
# the 工作台's charts) and the broker: Redis in production; embedded, a folder under var/ and a
# broker on the local disk.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "crm",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = redis_transport_options(
        visibility_timeout=env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * CELERY_JOB_TIME_LIMIT),
        job_time_limit=CELERY_JOB_TIME_LIMIT,
    )
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    CELERY_BROKER_URL, CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker(VAR_DIR / "celery")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = CELERY_JOB_TIME_LIMIT
CELERY_TASK_SOFT_TIME_LIMIT = max(CELERY_JOB_TIME_LIMIT - 60, CELERY_JOB_TIME_LIMIT * 9 // 10)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 5
# The worker outlives a Redis restart instead of exiting after 100 attempts.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# On a lost broker connection let a running job finish: its redelivery later is a no-op.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = 200
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)
# A job that missed its due time by more than this is run by the catch-up (beat was down, or
# its message was lost).
CRM_JOB_CATCH_UP_GRACE_MINUTES = env.int("CRM_JOB_CATCH_UP_GRACE_MINUTES", default=30)

# The scheduled jobs of domain §7 (name, service function, time): crm/job_schedule.py.
CRM_JOBS = job_functions()
CELERY_BEAT_SCHEDULE = beat_schedule()
# Modules with a `seed(now=...)` function, run in this order by `manage.py seed_demo`.
DEMO_SEEDERS = [
    "customers.demo",
    "grading.demo",
    "blacklist.demo",
    "visits.demo",
    "visits.demo_phone",
    "complaints.demo",
    "crm.notify.demo",
    "sales.demo",
    "engagement.demo",
    "surveys.demo",
    "reports.demo",
]
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="crm-demo-2026")

# --- REST API for the ERP (§13, sales/api.py; docs/sales.md) ------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["sales.api_auth.IntegrationTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "sales.api_errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM ERP API",
    "DESCRIPTION": "Deliveries, receivables and payments pushed by the ERP, keyed by ERP number (domain §13).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
}
# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False}},
}

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = True
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_FORMATS = ["import_export.formats.base_formats.XLSX"]
SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False
