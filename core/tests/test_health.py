"""/healthz and /readyz for a load balancer (core.health)."""

import os
import socket
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from core.models import OutboxMessage
from core.outbox import outbox_enqueue

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@pytest.fixture
def database_out_of_reach(transactional_db):
    saved = {key: connection.settings_dict[key] for key in ("HOST", "PORT")}
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
    yield
    connection.close()
    connection.settings_dict.update(saved)


def test_healthz_answers_without_the_database(database_out_of_reach) -> None:
    response = Client().get("/healthz", HTTP_HOST="10.0.0.7")  # a prober's address, not an allowed host
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_503_when_the_database_is_out_of_reach(database_out_of_reach) -> None:
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


@pytest.mark.django_db
def test_readyz_reports_database_broker_and_outbox() -> None:
    with override_settings(CELERY_BROKER_URL=REDIS_URL):
        response = Client().get("/readyz", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "outbox": {"depth": 0, "lag_seconds": 0.0},
    }


@pytest.mark.django_db
def test_readyz_stays_200_but_degraded_while_the_broker_is_down() -> None:
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port()}/0"):
        started = time.monotonic()
        response = Client().get("/readyz")
    assert time.monotonic() - started < 1.0
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["broker"]) == ("degraded", "unreachable")


@pytest.mark.django_db
def test_readyz_is_degraded_when_the_relay_lags() -> None:
    # given a job recorded two minutes ago and never handed to the broker
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        outbox_enqueue(task="core.tests.outbox_probe.record_task", key="test:lagging", args=[1])
    OutboxMessage.objects.filter(key="test:lagging").update(created_at=timezone.now() - timedelta(minutes=2))
    body = Client().get("/readyz").json()
    assert body["status"] == "degraded"
    assert body["outbox"]["depth"] == 1
    assert 119 <= body["outbox"]["lag_seconds"] <= 130
