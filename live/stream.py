"""GET /api/v1/live: the signed-in user's Server-Sent Events, as a small ASGI application.

config/asgi.py sends this one path here and everything else to Django. It is not a Django view
because a stream is held for minutes: through Django's ASGI handler each open stream would keep a
thread of its own (the project's middleware is synchronous) and a database connection. Here the
user is looked up once, in a worker thread, with the same rules as every API call
(accounts.security.token_user: X-Session-Token, else the session cookie), and the stream then
costs the event loop a queue and a task.

Answers: 200 `text/event-stream` — `retry:` and a comment first, then frames
`id: <log id>\\nevent: <name>\\ndata: <JSON>\\n\\n`, a comment heartbeat after
FUBI_LIVE_HEARTBEAT_SECONDS without an event, and the end after FUBI_LIVE_MAX_SECONDS (the browser
reconnects at once with its Last-Event-ID, and the audience is worked out again); 401
`not_authenticated`; 405 for another method; 400 for a foreign Host; 429 `rate_limited` past
FUBI_LIVE_MAX_PER_USER streams of one user in this process; 503 `live_unavailable` (Redis cannot be
read) or `unavailable` (PostgreSQL), with Retry-After. `Last-Event-ID` (or `?last_event_id=` for a
client that reconnects by itself) replays what the user missed from the last 5 minutes, once.
"""

import asyncio
import contextlib
import json
import logging
from collections import Counter
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.http.request import split_domain_port, validate_host

from live.hub import LiveUnavailableError, Subscriber, hub_here
from live.log import parse_id
from live.selectors import live_audience_for_session

logger = logging.getLogger(__name__)

PATH = "/api/v1/live"
HEARTBEAT = b": heartbeat\n\n"
_per_user: Counter[int] = Counter()  # open streams per user in this process


async def live_stream(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The ASGI application of GET /api/v1/live."""
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
    if not _host_allowed(headers.get("host", "")):
        await _error(send, 400, "bad_request", "This host is not served here.")
        return
    if scope["method"] not in ("GET", "HEAD"):
        await _error(send, 405, "method_not_allowed", "GET /live only.", {"allowed": ["GET"]}, [(b"allow", b"GET")])
        return
    try:
        found = await sync_to_async(_audience, thread_sensitive=False)(_session_key(headers))
    except DatabaseError:
        logger.warning("live: the database could not be reached to sign a stream in")
        await _error(send, 503, "unavailable", "The service is briefly unavailable.", retry=True)
        return
    if found is None:
        await _error(send, 401, "not_authenticated", "Authentication is required: log in first.")
        return
    user_id, keys = found
    if _per_user[user_id] >= settings.FUBI_LIVE_MAX_PER_USER:
        await _error(send, 429, "rate_limited", "Too many live streams open for this user.", retry=True)
        return
    _per_user[user_id] += 1
    try:
        await _serve(scope, receive, send, keys=keys, after=_last_event_id(scope, headers))
    finally:
        _per_user[user_id] -= 1
        if not _per_user[user_id]:
            del _per_user[user_id]


async def _serve(scope: dict[str, Any], receive: Any, send: Any, *, keys: list[str], after: Any) -> None:
    """Join this loop's hub, send what was missed, then the live frames."""
    hub = hub_here()
    subscriber = Subscriber(keys)
    try:
        missed = await hub.join(subscriber, after=after)
    except LiveUnavailableError:
        await _error(send, 503, "live_unavailable", "Live updates are paused; try again shortly.", retry=True)
        return
    try:
        await send({"type": "http.response.start", "status": 200, "headers": _stream_headers()})
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        first = b"retry: 2000\n: live\n\n" + b"".join(frame for _entry, frame in missed)
        await send({"type": "http.response.body", "body": first, "more_body": True})
        last = missed[-1][0] if missed else after
        await _pump(receive, send, subscriber, last=last)
    finally:
        hub.leave(subscriber)


async def _pump(receive: Any, send: Any, subscriber: Subscriber, *, last: Any) -> None:
    """Send the subscriber's frames (newer than `last`) and heartbeats until the client leaves, the
    hub closes the stream (Redis lost, too slow a client) or its time is up."""
    loop = asyncio.get_running_loop()
    heartbeat = settings.FUBI_LIVE_HEARTBEAT_SECONDS
    timers = [
        loop.call_later(heartbeat, subscriber.beat),
        loop.call_later(settings.FUBI_LIVE_MAX_SECONDS, subscriber.close),
    ]
    watcher = asyncio.ensure_future(_disconnected(receive, subscriber))
    try:
        while True:
            await subscriber.wake.wait()
            subscriber.wake.clear()
            if subscriber.closed:
                break
            body = b""
            if subscriber.frames:  # everything queued goes out in one write
                chunks = list(subscriber.frames)
                subscriber.frames.clear()
                body = b"".join(frame for entry, frame in chunks if last is None or entry > last)
                last = chunks[-1][0]
            if subscriber.heartbeat_due:
                subscriber.heartbeat_due = False
                body += HEARTBEAT
                timers[0] = loop.call_later(heartbeat, subscriber.beat)
            if body:
                await send({"type": "http.response.body", "body": body, "more_body": True})
        if not subscriber.gone:
            await send({"type": "http.response.body", "body": b""})
    except OSError:  # the client went away while we wrote
        pass
    finally:
        for timer in timers:
            timer.cancel()
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def _disconnected(receive: Any, subscriber: Subscriber) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            subscriber.gone = True
            subscriber.close()
            return


def _audience(session_key: str | None) -> tuple[int, list[str]] | None:
    """In a worker thread, as a request would: close stale connections before and after."""
    if not session_key:
        return None
    close_old_connections()
    try:
        return live_audience_for_session(session_key=session_key)
    finally:
        close_old_connections()


def _session_key(headers: dict[str, str]) -> str | None:
    token = headers.get("x-session-token")
    if token:
        return token
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header: no session
        return None
    morsel = cookie.get(settings.SESSION_COOKIE_NAME)
    return morsel.value if morsel is not None else None


def _last_event_id(scope: dict[str, Any], headers: dict[str, str]) -> Any:
    value = headers.get("last-event-id")
    if not value:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        value = (query.get("last_event_id") or [""])[0]
    return parse_id(value)


def _host_allowed(host: str) -> bool:
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, allowed)


def _stream_headers() -> list[tuple[bytes, bytes]]:
    return [
        (b"content-type", b"text/event-stream; charset=utf-8"),
        (b"cache-control", b"no-cache, no-store"),
        (b"x-accel-buffering", b"no"),  # nginx: pass each frame on at once
        (b"x-content-type-options", b"nosniff"),
    ]


async def _error(
    send: Any,
    status: int,
    code: str,
    message: str,
    details: dict | None = None,
    extra: list[tuple[bytes, bytes]] | None = None,
    *,
    retry: bool = False,
) -> None:
    body = json.dumps({"code": code, "message": message, "details": details or {}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(extra or [])]
    if retry:
        headers.append((b"retry-after", str(settings.FUBI_RETRY_AFTER_SECONDS).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
