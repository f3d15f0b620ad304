"""How a request is answered when something fails on our side.

- The database cannot be reached (down, restarting, out of connections): 503 `unavailable` with
  Retry-After (FUBI_RETRY_AFTER_SECONDS), as JSON under /api/ and as a small page elsewhere. A
  client or a load balancer retries it; it is not a bug of ours.
- Any other unexpected error under /api/: the contract's 500 `server_error`, whose details carry
  the request id that the log line with the traceback carries too.

FailureMiddleware is the outermost middleware: it gives every request an id (core.requestid),
answers it in X-Request-ID, and replaces the answer of a request whose handling raised (Django
tells it through got_request_exception, whatever layer raised: a view, a middleware, the session).
Errors inside API views are answered by config/api.py's handler with the same two answers.
"""

import json
import sys
from collections.abc import Callable
from weakref import WeakKeyDictionary

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.html import escape
from django.utils.translation import gettext as _

from core.requestid import REQUEST_ID, request_id_new

# SQLSTATEs that mean "the server cannot take this now", not "this statement is wrong": connection
# exceptions (08...), shutting down or starting up (57P01-57P03), too many connections (53300).
_UNAVAILABLE_STATES = ("57P01", "57P02", "57P03", "53300")


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether this error (or what caused it) says PostgreSQL could not be reached or used at all."""
    import psycopg

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, InterfaceError | psycopg.InterfaceError):
            return True  # the connection is closed
        if isinstance(exc, psycopg.OperationalError):
            state = exc.sqlstate
            return state is None or state.startswith("08") or state in _UNAVAILABLE_STATES
        if isinstance(exc, OperationalError) and not isinstance(exc.__cause__, psycopg.Error):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 unavailable with Retry-After: JSON under /api/, a plain page elsewhere."""
    message = _("The service is briefly unavailable. Please try again in a few seconds.")
    if is_api(request):
        body = {"code": "unavailable", "message": message, "details": {"request_id": REQUEST_ID.get()}}
        response = HttpResponse(json.dumps(body, ensure_ascii=False), status=503, content_type="application/json")
    else:
        title = _("Briefly unavailable")
        page = (
            f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(title)}</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
            f"<body><h1>{escape(title)}</h1><p>{escape(message)}</p></body></html>"
        )
        response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(settings.FUBI_RETRY_AFTER_SECONDS)
    return response


def server_error_response(request: HttpRequest) -> HttpResponse:
    """The contract's 500 with the request id, for an unexpected error under /api/."""
    body = {
        "code": "server_error",
        "message": _("Something went wrong on our side; it has been logged."),
        "details": {"request_id": REQUEST_ID.get()},
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=500, content_type="application/json")


# request → the uncaught error Django turned into its 500 answer, for FailureMiddleware: kept beside
# the request (gone with it), not as an attribute on it.
_failures: WeakKeyDictionary[HttpRequest, BaseException] = WeakKeyDictionary()


@receiver(got_request_exception, dispatch_uid="core.failures.remember")
def _remember(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    # Sent while Django turns an uncaught error into its 500 answer: keep it for FailureMiddleware.
    error = sys.exc_info()[1]
    if request is not None and error is not None:
        _failures[request] = error


def drop_dead_connections() -> None:
    """Close this thread's database connections that the outage left unusable, so that the next
    request connects afresh. A server does this when the request ends (Django's request_finished);
    doing it here keeps a worker whose connection died outside a transaction from answering 503
    until it is recycled, whatever runs it (a test client sends no request_finished)."""
    for alias in connections:
        wrapper = connections[alias]
        if wrapper.connection is None or wrapper.in_atomic_block:
            continue
        try:
            wrapper.close_if_unusable_or_obsolete()
        except DatabaseError:
            wrapper.connection = None  # closing a dead connection failed too: forget it


class FailureMiddleware:
    """Outermost: a request id for every request, and the answers above for uncaught errors."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = REQUEST_ID.set(request_id_new(request.headers.get("X-Request-ID")))
        try:
            response = self.get_response(request)
            failure = _failures.pop(request, None)
            if failure is not None and response.status_code >= 500:
                if database_unavailable(failure):
                    response = unavailable_response(request)
                elif is_api(request):
                    response = server_error_response(request)
            if response.status_code == 503:
                drop_dead_connections()  # an outage here or in config/api.py's handler
            response["X-Request-ID"] = REQUEST_ID.get()
            return response
        finally:
            REQUEST_ID.reset(token)
