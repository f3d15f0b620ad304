"""The transactional outbox (core.outbox): jobs are recorded with the change that causes them, run
after commit without a broker, handed to a real Redis broker by the relay with a broker, kept when
the broker cannot be reached, retried with backoff when they fail, and never taken by two relays."""

import json
import os
import socket
import threading
import time
import uuid
from datetime import timedelta

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from core.models import OutboxMessage
from core.outbox import (
    BrokerUnavailableError,
    outbox_enqueue,
    outbox_purge,
    outbox_relay_batch,
    outbox_run_here,
    outbox_stats,
)
from core.tests import outbox_probe
from tests.races import background

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
RECORD = "core.tests.outbox_probe.record_task"
FLAKY = "core.tests.outbox_probe.flaky_task"


@pytest.fixture(autouse=True)
def _probe_reset():
    outbox_probe.CALLS.clear()
    outbox_probe.FAILING.clear()
    yield
    outbox_probe.CALLS.clear()
    outbox_probe.FAILING.clear()


def broker_app(url: str, queue: str) -> Celery:
    app = Celery("outbox-test", broker=url, set_as_current=False)
    app.conf.broker_transport_options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "socket_timeout": 0.3}
    app.conf.broker_connection_timeout = 0.3
    app.conf.task_default_queue = queue
    return app


def closed_port_url() -> str:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"redis://127.0.0.1:{port}/0"


@pytest.mark.django_db
def test_a_job_of_a_rolled_back_change_is_never_recorded(django_capture_on_commit_callbacks) -> None:
    def change_that_fails() -> None:
        with transaction.atomic():
            outbox_enqueue(task=RECORD, key="test:rolled-back", args=["x"])
            raise RuntimeError("the change fails")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        change_that_fails()
    assert not OutboxMessage.objects.filter(key="test:rolled-back").exists()
    assert outbox_probe.CALLS == []


@pytest.mark.django_db
def test_the_same_key_is_recorded_once(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        outbox_enqueue(task=RECORD, key="test:twice", args=[1])
        outbox_enqueue(task=RECORD, key="test:twice", args=[2])
    assert OutboxMessage.objects.filter(key="test:twice").count() == 1
    assert outbox_probe.CALLS == [1]


@pytest.mark.django_db
def test_without_a_broker_the_job_runs_here_after_commit_and_is_marked_sent(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outbox_enqueue(task=RECORD, key="test:eager", args=["hello"])
    assert outbox_probe.CALLS == []  # nothing runs before the commit
    for callback in callbacks:
        callback()
    assert outbox_probe.CALLS == ["hello"]
    assert OutboxMessage.objects.get(key="test:eager").sent_at is not None
    assert outbox_run_here(keys=["test:eager"]) == 0  # sent: never run again


@pytest.mark.django_db
def test_a_job_that_fails_here_waits_with_backoff_and_runs_when_due(django_capture_on_commit_callbacks) -> None:
    # given a job whose work fails (its mail server is down)
    outbox_probe.FAILING.add("mail")
    with django_capture_on_commit_callbacks(execute=True):
        outbox_enqueue(task=FLAKY, key="test:flaky", args=["mail"])
    message = OutboxMessage.objects.get(key="test:flaky")
    # then it stays pending, one attempt counted, not due for about 2 s, with the error kept
    assert message.sent_at is None
    assert message.attempts == 1
    assert timedelta(seconds=1) < message.available_at - timezone.now() <= timedelta(seconds=2)
    assert message.last_error == "RuntimeError: mail is failing"
    assert outbox_relay_batch(execute=True) == 0  # not due yet
    # when it is due and the work succeeds, the relay runs it here, once
    outbox_probe.FAILING.clear()
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
    assert outbox_relay_batch(execute=True) == 1
    assert outbox_relay_batch(execute=True) == 0
    assert outbox_probe.CALLS == ["mail"]


@pytest.mark.django_db
def test_the_relay_hands_due_messages_to_the_broker_and_marks_them_sent() -> None:
    # given two recorded jobs (a broker is configured: nothing runs on commit)
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        outbox_enqueue(task=RECORD, key="test:relay:1", args=[1])
        outbox_enqueue(task=RECORD, key="test:relay:2", args=[2], kwargs={})
    queue = f"outbox-test-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        # when the relay runs a batch against a real Redis
        assert outbox_relay_batch(app=broker_app(REDIS_URL, queue)) == 2
        # then the broker holds both, each under its key as task id, and they are marked sent
        published = [json.loads(raw) for raw in client.lrange(queue, 0, -1)]
        assert sorted((m["headers"]["task"], m["headers"]["id"]) for m in published) == [
            (RECORD, "test:relay:1"),
            (RECORD, "test:relay:2"),
        ]
        assert OutboxMessage.objects.filter(key__startswith="test:relay:", sent_at__isnull=False).count() == 2
        assert outbox_relay_batch(app=broker_app(REDIS_URL, queue)) == 0
        assert outbox_probe.CALLS == []
    finally:
        client.delete(queue)


@pytest.mark.django_db
def test_a_broker_that_cannot_be_reached_leaves_every_message_as_it_was() -> None:
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        outbox_enqueue(task=RECORD, key="test:down", args=[1])
    started = time.monotonic()
    with pytest.raises(BrokerUnavailableError):
        outbox_relay_batch(app=broker_app(closed_port_url(), "unused"))
    assert time.monotonic() - started < 1.0
    message = OutboxMessage.objects.get(key="test:down")
    assert (message.sent_at, message.attempts, message.last_error) == (None, 0, "")


@pytest.mark.django_db(transaction=True)
def test_two_relays_never_take_the_same_message() -> None:
    # given a message that one relay has taken (its batch transaction holds the row)
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        outbox_enqueue(task=RECORD, key="test:locked", args=[1])
    taken, release = threading.Event(), threading.Event()

    def first_relay() -> None:
        with transaction.atomic():
            list(OutboxMessage.objects.select_for_update().filter(key="test:locked"))
            taken.set()
            release.wait(10)

    thread = background(first_relay)
    try:
        assert taken.wait(10)
        # when a second relay runs meanwhile, then it skips it rather than sending it again
        assert outbox_relay_batch(execute=True) == 0
    finally:
        release.set()
        thread.join(10)
    assert outbox_probe.CALLS == []
    OutboxMessage.objects.filter(key="test:locked").delete()


@pytest.mark.django_db
def test_stats_tell_depth_and_lag_and_purge_forgets_old_sent_messages() -> None:
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        outbox_enqueue(task=RECORD, key="test:old", args=[1])
        outbox_enqueue(task=RECORD, key="test:new", args=[2])
    OutboxMessage.objects.filter(key="test:old").update(created_at=timezone.now() - timedelta(seconds=90))
    stats = outbox_stats()
    assert stats["depth"] == 2
    assert 89 <= stats["lag_seconds"] <= 100
    OutboxMessage.objects.filter(key="test:old").update(sent_at=timezone.now() - timedelta(days=8))
    assert outbox_purge() == 1
    assert outbox_stats()["depth"] == 1
