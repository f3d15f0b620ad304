"""core.db.postgresql: CONN_HEALTH_CHECKS ping a connection only after it sat idle."""

import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections

from core.db.postgresql.base import HEALTH_CHECK_IDLE_SECONDS


@pytest.fixture
def pings():
    """Every real health check the connection makes (its answer), through the backend's own is_usable;
    health checks on, as config.settings has them (the test settings may not)."""
    wrapper = connections["default"]
    seen: list[bool] = []
    real = type(wrapper).is_usable
    enabled = wrapper.health_check_enabled

    def counted() -> bool:
        seen.append(real(wrapper))
        return seen[-1]

    wrapper.is_usable = counted
    wrapper.health_check_enabled = True
    yield seen
    del wrapper.is_usable
    wrapper.health_check_enabled = enabled


@pytest.mark.django_db
def test_a_busy_connection_is_not_pinged_and_an_idle_one_is(pings) -> None:
    connection.ensure_connection()
    # given a connection used just now: a new request starts (Django resets health_check_done)
    connection.used_at = time.monotonic()
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    # then no ping was sent
    assert pings == []
    assert connection.health_check_done is True
    # when it has sat idle longer than the threshold
    connection.used_at -= HEALTH_CHECK_IDLE_SECONDS + 1
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    # then it is pinged, found alive, and kept
    assert pings == [True]
    assert connection.connection is not None


@pytest.mark.django_db(transaction=True)  # the connection dies: no test transaction around it
def test_an_idle_connection_that_died_is_replaced(pings) -> None:
    connection.ensure_connection()
    before = connection.connection.info.backend_pid
    # given an idle connection whose server process has gone (terminated from another session)
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [before])
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    connection.used_at -= HEALTH_CHECK_IDLE_SECONDS + 1
    connection.health_check_done = False
    # when the next request checks it
    connection.close_if_health_check_failed()
    # then the ping failed, the dead connection was closed, and the next query gets a new one
    assert pings == [False]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != before
