"""Production: DEBUG off, a real secret key required, HTTPS everywhere."""

import os

from django.core.exceptions import ImproperlyConfigured

os.environ["DJANGO_DEBUG"] = "false"

from .base import *  # noqa: F403
from .base import env_bool, env_int

DEBUG = False
if not SECRET_KEY or SECRET_KEY.startswith("dev-only") or len(SECRET_KEY) < 50:  # noqa: F405
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a long random value (50+ characters) in production: these are the"
        " production settings, what manage.py, config.wsgi and config.celery use without DJANGO_SETTINGS_MODULE."
        " For development set DJANGO_SETTINGS_MODULE=config.settings.base (make run does)."
    )
if not ALLOWED_HOSTS:  # noqa: F405
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the hosts this site answers for")

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# Accounts that matter are real people: payouts wait and shop orders are refused until the citizen's
# phone is verified by SMS (accounts.services). Set FUBI_SMS_GATEWAY_URL and FUBI_SMS_API_KEY.
FUBI_REQUIRE_VERIFIED_PHONE = True
