"""The Redis cache fails open: a Redis that refuses or never answers costs one short timeout, and the
request goes on as if the cache were empty (core.rediscache)."""

import logging
import os
import socket
import time
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import override_settings
from redis.exceptions import ConnectionError as RedisConnectionError

from core import ratelimit
from core.rediscache import RedisCache

# no database of their own; the suite's autouse cache fixture needs one set up
pytestmark = pytest.mark.django_db
REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
TIMEOUTS = {"socket_timeout": 0.3, "socket_connect_timeout": 0.3}


def redis_cache_at(location: str) -> dict:
    return {"default": {"BACKEND": "core.rediscache.RedisCache", "LOCATION": location, "OPTIONS": TIMEOUTS}}


@pytest.fixture
def frozen_redis() -> Iterator[str]:
    """A port that accepts connections and never answers: what a SIGSTOPped Redis looks like."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    listener.close()


@pytest.fixture
def closed_port() -> str:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture(autouse=True)
def _breaker_reset() -> Iterator[None]:
    RedisCache._down_until = 0.0
    yield
    RedisCache._down_until = 0.0


def test_a_frozen_redis_costs_one_socket_timeout_and_answers_a_miss(frozen_redis, caplog) -> None:
    # given a cache whose Redis accepts the connection and never replies
    with override_settings(CACHES=redis_cache_at(frozen_redis)), caplog.at_level(logging.WARNING, "core.rediscache"):
        # when a request reads and writes it
        started = time.monotonic()
        value = cache.get("tasks:nearby", "fallback")
        stored = cache.set("tasks:nearby", [1, 2])
        elapsed = time.monotonic() - started
    # then it gets the default back within one timeout (the write is skipped: Redis was just down)
    assert value == "fallback"
    assert stored is None
    assert elapsed < 1.0
    assert "cache: Redis get failed (TimeoutError)" in caplog.text


def test_a_refused_connection_answers_a_miss_at_once(closed_port) -> None:
    with override_settings(CACHES=redis_cache_at(closed_port)):
        started = time.monotonic()
        assert cache.add("k", 1) is False
        assert cache.get("k") is None
        assert cache.delete("k") is False
        assert cache.get_many(["a", "b"]) == {}
        assert time.monotonic() - started < 0.5


def test_after_a_failure_redis_is_left_alone_for_a_while(frozen_redis) -> None:
    with override_settings(CACHES=redis_cache_at(frozen_redis), REDIS_RETRY_SECONDS=30):
        cache.get("first")  # pays the timeout once
        started = time.monotonic()
        for _ in range(20):
            cache.get("again")
        assert time.monotonic() - started < 0.05


def test_counting_raises_so_the_caller_decides(closed_port) -> None:
    with override_settings(CACHES=redis_cache_at(closed_port)), pytest.raises(RedisConnectionError):
        cache.incr("count")


def test_rate_limits_let_requests_through_while_redis_is_frozen(frozen_redis) -> None:
    # given tips limited to 1 an hour, and a frozen Redis behind the limiter
    with override_settings(CACHES=redis_cache_at(frozen_redis), FUBI_RATE_LIMITS={"tips": "1/h"}):
        started = time.monotonic()
        # when the same citizen files three tips, then none is refused and none waits on Redis
        for _ in range(3):
            ratelimit.rate_limit_hit(scope="tips", who="user:1", message="Too many tips.")
        assert time.monotonic() - started < 1.0


def test_a_working_redis_is_an_ordinary_cache() -> None:
    with override_settings(CACHES=redis_cache_at(REDIS_URL)):
        cache.set("fubi:test:answer", 42, timeout=30)
        assert cache.get("fubi:test:answer") == 42
        assert cache.incr("fubi:test:answer") == 43
        cache.delete("fubi:test:answer")
