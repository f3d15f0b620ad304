"""The Celery application. Settings come from Django's (CELERY_* names)."""

import os

from celery import Celery

# Like config.wsgi: production unless told otherwise (`make run` starts its worker with the
# development settings it runs on).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("fubi")
# The current app is per thread in Celery: every thread but the one that imported this module (a
# gunicorn or runserver request thread, the outbox relay's thread) would get Celery's fallback app,
# with none of these settings. Make this one the fallback too.
app.set_default()
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
