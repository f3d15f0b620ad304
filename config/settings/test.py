"""Tests: the base settings with fast hashing and predictable mail."""

import os

os.environ.setdefault("FUBI_EMAIL_VERIFICATION", "optional")

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = BASE_DIR / "test-artifacts" / "media"  # noqa: F405
FUBI_TIPS_PHOTO_ROOT = BASE_DIR / "test-artifacts" / "private_media" / "tips"  # noqa: F405
# Tests share one database cache table; rate limits stay on so the 429 test is real.
# Text messages stay in accounts.sms.outbox; phone verification is required only where a test says so.
FUBI_SMS_BACKEND = "accounts.sms.ConsoleBackend"
FUBI_REQUIRE_VERIFIED_PHONE = False
# live: the event log in memory unless a test points FUBI_LIVE_REDIS_URL at REDIS_TEST_URL.
FUBI_LIVE_REDIS_URL = ""
