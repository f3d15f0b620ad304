"""Django's Redis cache that fails open: a Redis that is down, frozen or unreachable costs a request
at most one short socket timeout, never an error.

What the cache holds here (allauth's login limits, core.ratelimit's counters, anything cached) can
be recomputed or, for limits, let through for a while; a request must not fail or wait because of
it. Django's RedisCache raises redis' ConnectionError/TimeoutError; this one logs a warning and
answers as a cache miss (get → default, add/set → False, delete → False, has_key → False).

incr and decr still raise: they answer a count, and a caller that counts must decide what a lost
count means (core.ratelimit lets the request through and logs it).

After a failure the cache is not asked again for `REDIS_RETRY_SECONDS` (per process): a frozen
Redis then costs one request in each window the socket timeout, not every request. The socket
timeouts themselves are the backend's OPTIONS (socket_timeout, socket_connect_timeout), set in
config/settings/base.py.
"""

import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class RedisCache(DjangoRedisCache):
    _down_until = 0.0  # monotonic time until which Redis is not asked again (per process)

    def _skip(self) -> bool:
        return time.monotonic() < RedisCache._down_until

    def _failed(self, operation: str, exc: BaseException) -> None:
        RedisCache._down_until = time.monotonic() + getattr(settings, "REDIS_RETRY_SECONDS", 2.0)
        logger.warning("cache: Redis %s failed (%s)", operation, exc.__class__.__name__)

    def _open(self, operation: str, miss: Any, call: Any, *args: Any, **kwargs: Any) -> Any:
        if self._skip():
            return miss
        try:
            return call(*args, **kwargs)
        except UNREACHABLE as exc:
            self._failed(operation, exc)
            return miss

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return self._open("get", default, super().get, key, default, version)

    def get_many(self, keys: Any, version: int | None = None) -> dict:
        return self._open("get_many", {}, super().get_many, keys, version)

    def has_key(self, key: str, version: int | None = None) -> bool:
        return self._open("has_key", False, super().has_key, key, version)

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._open("add", False, super().add, key, value, timeout, version)

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        return self._open("set", None, super().set, key, value, timeout, version)

    def set_many(self, data: dict, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list:
        return self._open("set_many", list(data), super().set_many, data, timeout, version)

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._open("touch", False, super().touch, key, timeout, version)

    def delete(self, key: str, version: int | None = None) -> bool:
        return self._open("delete", False, super().delete, key, version)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        return self._open("delete_many", None, super().delete_many, keys, version)

    def clear(self) -> bool:
        return self._open("clear", False, super().clear)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        if self._skip():
            raise RedisConnectionError("Redis was unreachable a moment ago")
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE as exc:
            self._failed("incr", exc)
            raise
