"""Health endpoints for a load balancer or a supervisor, answered before any other middleware (no
Host check, no HTTPS redirect, no session): a prober speaks plain HTTP to an address.

- `GET /healthz`: the process is up and serving. Touches nothing else (no database, no Redis).
- `GET /readyz`: can this process serve requests? 200 while PostgreSQL answers, 503 when it does
  not. The body also reports the broker (Redis PING within the socket timeouts) and the outbox
  (messages not handed to the broker yet, and the age of the oldest): `"status": "degraded"`
  when the broker is unreachable or the oldest unsent message is older than
  FUBI_READY_MAX_OUTBOX_LAG seconds. Those stay 200 on purpose: requests do not need the broker
  (core.outbox keeps every job until it is back), so taking web processes out of rotation for a
  broker outage would turn a delay of background work into an outage of the site. Alert on
  "degraded" instead.
"""

import json
import logging
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from core.outbox import outbox_stats

logger = logging.getLogger(__name__)


@cache
def _broker_client(url: str) -> object:
    import redis

    return redis.Redis.from_url(
        url, socket_timeout=settings.REDIS_SOCKET_TIMEOUT, socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT
    )


def broker_state() -> str:
    """ "ok", "unreachable", or "not_checked" (no broker, or not Redis)."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return "not_checked"
    try:
        _broker_client(url).ping()
    except Exception as exc:
        logger.warning("readyz: the broker is unreachable (%s)", exc.__class__.__name__)
        return "unreachable"
    return "ok"


def database_ready() -> bool:
    """SELECT 1 on this thread's connection; once more on a new connection if that one was dead."""
    for _attempt in range(2):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return True
        except DatabaseError:
            connection.close()
    return False


def readiness() -> tuple[int, dict]:
    if not database_ready():
        return 503, {"status": "unavailable", "database": "unreachable"}
    outbox = outbox_stats()
    broker = broker_state()
    degraded = broker == "unreachable" or outbox["lag_seconds"] > settings.FUBI_READY_MAX_OUTBOX_LAG
    body = {"status": "degraded" if degraded else "ok", "database": "ok", "broker": broker, "outbox": outbox}
    return 200, body


class HealthMiddleware:
    """Answers /healthz and /readyz itself; every other request goes on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path == "/healthz":
            return _json(200, {"status": "ok"})
        if request.path == "/readyz":
            status, body = readiness()
            return _json(status, body)
        return self.get_response(request)


def _json(status: int, body: dict) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response
