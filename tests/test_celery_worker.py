"""At-least-once delivery with a real Redis broker and real Celery workers.

A worker is killed (SIGKILL, the whole process group) in the middle of a job; because tasks are
acknowledged late, Redis hands the job to the next worker, which completes it. The job's effect is
idempotent, so it completes exactly once although it started twice.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.db import connection

from tests.conftest import subprocess_database_url

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def start_worker(queue: str, name: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": subprocess_database_url(),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "CELERY_VISIBILITY_TIMEOUT": "4",
        "CELERY_RESTORE_INTERVAL": "1",
        "CELERY_RESTORE_THROTTLE": "1",
        "PYTHONWARNINGS": "ignore",
    }
    command = [
        str(Path(sys.executable).parent / "celery"), "-A", "config", "worker", "-P", "prefork", "-c", "1",
        "-Q", queue, "-n", f"{name}@%h", "-I", "tests.celery_probe",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def count(table: str, job_id: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE job_id = %s", [job_id])
        return cursor.fetchone()[0]


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def probe_tables():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS fubi_probe_attempt (id serial PRIMARY KEY, job_id text NOT NULL)")
        cursor.execute("CREATE TABLE IF NOT EXISTS fubi_probe_done (job_id text PRIMARY KEY)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS fubi_probe_attempt, fubi_probe_done")


def test_killed_worker_job_completes_exactly_once_on_the_next_worker(probe_tables) -> None:
    redis.Redis.from_url(REDIS_URL).ping()  # a real broker, or the test fails here
    queue = f"probe-{uuid.uuid4().hex[:8]}"
    job_id = uuid.uuid4().hex
    sender = Celery(broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)  # the project app stays current
    sender.conf.broker_transport_options = {"visibility_timeout": 4}

    # given a worker that has started a 2-second job (shorter than the 4 s visibility timeout)
    first = start_worker(queue, "first")
    try:
        sender.send_task("tests.celery_probe.probe_job_task", args=[job_id, 2.0], queue=queue)
        assert wait_for(lambda: count("fubi_probe_attempt", job_id) == 1, 60), "the first worker never started"
        # when the whole worker is killed in the middle of it
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert count("fubi_probe_done", job_id) == 0

    # then a new worker picks the job up again and completes it, once
    second = start_worker(queue, "second")
    try:
        assert wait_for(lambda: count("fubi_probe_done", job_id) == 1, 90), "the job was never redelivered"
        time.sleep(5)  # past another visibility timeout: no third delivery may follow
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(20)
    assert count("fubi_probe_attempt", job_id) == 2
    assert count("fubi_probe_done", job_id) == 1
    sender.close()
