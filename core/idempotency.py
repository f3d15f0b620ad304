"""Idempotency-Key for POSTs under /api/, as docs/api.md describes.

One mechanism for every app: the middleware wraps the request in a transaction and first takes a
transaction-level advisory lock on (user, key) — a concurrent twin waits there until the first
ends; for an X-Session-Token this is the same statement that loads the session and its user —
then runs the view. A 2xx response is stored with the effects in the same transaction; anything
else is undone, so a failed request may simply be retried. A refusal writes nothing at all (no
placeholder row), which keeps a burst of refusals cheap. A later request with the same key
replays the stored response; with another path or body it answers 409 ``idempotency_key_reused``.

Who signs a token in is not core's business: core.tokens asks the resolver the issuing app registers
(``register_token_resolver``), and the lookup made here is the one ninja's auth reuses. The key's two
statements are core.queries' ``idempotency_key_take`` and ``idempotency_record_store``.
"""

import hashlib
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from psycopg.pq import TransactionStatus

from core.errors import DomainError, IdempotencyKeyReusedError, PayloadTooLargeError
from core.queries import idempotency_key_take, idempotency_record_store
from core.rows import READING, prepared_cursor
from core.tokens import HEADER as TOKEN_HEADER
from core.tokens import token_user, token_user_taking_key

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Paths whose refusals must stick, so the key is ignored there: a wrong phone code uses up one of the
# code's tries, and a keyed request's refusal would be rolled back (the phone verification service).
UNKEYED_PATHS = frozenset({"/api/v1/me/phone/verify"})


def error_response(error: DomainError) -> JsonResponse:
    """The contract's error body for a domain error, outside ninja's handlers."""
    return JsonResponse(
        {"code": error.code, "message": str(error.message), "details": error.details},
        status=error.status,
    )


def request_user(request: HttpRequest):
    """The user a request authenticates as: X-Session-Token first, then the session cookie."""
    token = request.headers.get(TOKEN_HEADER)
    if token:
        return token_user(request, token)  # once per request: ninja's auth reuses the answer
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def request_fingerprint(request: HttpRequest) -> str:
    """sha256 over what makes two requests "the same": method, path, query and body.

    Multipart bodies are hashed by their fields and file contents, not their raw bytes, because a
    client's retry picks a new boundary.
    """
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}?{request.META.get('QUERY_STRING', '')}\n".encode())
    if request.content_type == "multipart/form-data":
        for name in sorted(request.POST):
            for value in request.POST.getlist(name):
                digest.update(f"{name}={value}\n".encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(f"{name}:{upload.name}:".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def replay(*, status_code: int, content_type: str, body: bytes) -> HttpResponse:
    response = HttpResponse(bytes(body), status=status_code, content_type=content_type)
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or not key or not request.path.startswith("/api/") or request.path in UNKEYED_PATHS:
            return self.get_response(request)
        if len(key) > MAX_KEY_LENGTH:
            return error_response(DomainError(f"{HEADER} must be at most {MAX_KEY_LENGTH} characters.", header=HEADER))
        with transaction.atomic():
            taken = _user_taking_key(request, key)
            if taken is not None:
                return self._run_once(request, key, *taken)
        return self.get_response(request)  # nobody signed in: the endpoint itself answers 401

    def _run_once(self, request: HttpRequest, key: str, user, stored: tuple | None) -> HttpResponse:
        """Inside the transaction that holds the key's lock (see core/migrations/0002): replay what a
        twin stored, or run the view and store a success with its effects."""
        try:
            fingerprint = request_fingerprint(request)
        except RequestDataTooBig:
            return error_response(PayloadTooLargeError("The request body is too large."))
        if stored is not None:
            if stored[0] != fingerprint:
                return error_response(IdempotencyKeyReusedError(key=key))
            return replay(status_code=stored[1], content_type=stored[2], body=stored[3])
        statements = _StatementCount()
        with connection.execute_wrapper(statements):
            response = self.get_response(request)
        if 200 <= response.status_code < 300 and not response.streaming:
            idempotency_record_store(
                user_id=user.pk,
                key=key,
                fingerprint=fingerprint,
                status_code=response.status_code,
                content_type=response.get("Content-Type", "application/json"),
                body=response.content,
                now=timezone.now(),
            )
        elif connection.run_on_commit or (statements.other and not _wrote_nothing()):
            transaction.set_rollback(True)  # undo its writes; and nothing waits to run after a refusal
        return response


def _user_taking_key(request: HttpRequest, key: str) -> tuple[object, tuple | None] | None:
    """(user, what a twin stored under the key or None) with the key's lock held; None when nobody is
    signed in. A token's session, its user and the key's lock are one statement when the token
    resolver can (core.tokens); a cookie session's user is already loaded, and the key takes one of
    its own."""
    token = request.headers.get(TOKEN_HEADER)
    if token:
        user, stored, taken = token_user_taking_key(request, token, key)
        if user is None:
            return None
        return user, (stored if taken else idempotency_key_take(user_id=user.pk, key=key))
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return user, idempotency_key_take(user_id=user.pk, key=key)


class _StatementCount:
    """Counts a request's statements other than PlainRead's (core.rows): SELECTs of our own that
    write nothing. None of those: the request wrote nothing, without asking PostgreSQL."""

    def __init__(self) -> None:
        self.other = 0

    def __call__(self, execute, sql, params, many, context):
        if not READING.get():
            self.other += 1
        return execute(sql, params, many, context)


def _wrote_nothing() -> bool:
    """Whether the open transaction, which ran statements of unknown effect, can end in COMMIT as
    well as in ROLLBACK: it wrote no row
    (PostgreSQL assigned it no transaction id), holds no callbacks waiting for a commit, and is not
    in error. A refusal is then committed instead of rolled back — the same outcome — because
    psycopg answers every ROLLBACK by dropping all the connection's prepared statements (core.rows),
    which a burst of refused requests would otherwise re-prepare each time.
    """
    if connection.needs_rollback or connection.run_on_commit:
        return False
    if connection.connection.info.transaction_status != TransactionStatus.INTRANS:
        return False
    with prepared_cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id_if_assigned() IS NULL")
        return bool(cursor.fetchone()[0])
