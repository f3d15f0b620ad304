"""A Celery task used only by tests/test_celery_worker.py: it records each attempt, works for a
while, then records completion with an idempotent insert, as every Fubi task must."""

import time

from celery import shared_task
from django.db import connection


@shared_task(name="tests.celery_probe.probe_job_task")
def probe_job_task(job_id: str, seconds: float) -> str:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO fubi_probe_attempt (job_id) VALUES (%s)", [job_id])
    time.sleep(seconds)
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO fubi_probe_done (job_id) VALUES (%s) ON CONFLICT DO NOTHING", [job_id])
    return job_id
