"""Idempotency-Key for POSTs under /api/, as API.md describes.

One mechanism for every app, built on a transaction-level advisory lock on (user, key) and a
stored answer (IdempotencyRecord):

- The request's first statement waits while a twin holds (user, key) and reads what it stored;
  for an X-Session-Token it is the same statement that loads the session and its user. A stored
  answer is replayed (or, for another path or body, refused with 409 ``idempotency_key_reused``).
- The view then runs in a transaction that begins lazily: its prepared reads (core.rows.PlainRead)
  run on their own, and only its first other statement — a write, or any ORM query — begins the
  transaction, taking the key's lock again inside it first. If a twin finished in the meantime,
  this request stops there (``TwinAnsweredError``), rolls back, and replays the twin's answer.
- A 2xx answer is stored with the view's effects in that transaction; anything else is undone, so
  a failed request may simply be retried. A refusal decided by prepared reads alone looks for the
  key once more before answering (waiting for a twin still at work): a twin that finished first —
  whose effects may be the very reason for the refusal — is replayed, not contradicted.

So a refusal decided by prepared reads (the thousands who find an item sold out, a task full)
costs three statements and no BEGIN, COMMIT or placeholder row. Effects happen only inside the
transaction that holds the key's lock, so twins never act twice. Effects outside the database
(a file, a message, a cache) belong after the view's first write or in ``transaction.on_commit``,
never before: until then the key is not held.
"""

import hashlib
from collections.abc import Callable
from contextlib import nullcontext

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from psycopg.pq import TransactionStatus

from core.errors import DomainError, IdempotencyKeyReusedError, PayloadTooLargeError
from core.models import IdempotencyRecord
from core.rows import BEGIN_DEFERRED, READING, outside_transaction, prepared_cursor

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def error_response(error: DomainError) -> JsonResponse:
    """The contract's error body for a domain error, outside ninja's handlers."""
    return JsonResponse(
        {"code": error.code, "message": str(error.message), "details": error.details},
        status=error.status,
    )


def request_user(request: HttpRequest):
    """The user a request authenticates as: X-Session-Token first, then the session cookie."""
    token = request.headers.get("X-Session-Token")
    if token:
        from accounts.security import session_token_user

        return session_token_user(request, token)  # kept on the request: ninja's auth reuses it
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
        if request.method != "POST" or not key or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > MAX_KEY_LENGTH:
            return error_response(DomainError(f"{HEADER} must be at most {MAX_KEY_LENGTH} characters.", header=HEADER))
        with transaction.atomic():
            deferred = BEGIN_DEFERRED.set(True)
            try:
                taken = _user_taking_key(request, key)
                if taken is not None:
                    return self._run_once(request, key, *taken)
            finally:
                BEGIN_DEFERRED.reset(deferred)
        return self.get_response(request)  # nobody signed in: the endpoint itself answers 401

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A plain Django view stopped by TwinAnsweredError: no error page or log; _run_once replays.
        if isinstance(exception, TwinAnsweredError):
            return HttpResponse(status=409)
        return None

    def _run_once(self, request: HttpRequest, key: str, user, stored: tuple | None) -> HttpResponse:
        """Replay what a twin stored, or run the view and store a success with its effects."""
        try:
            fingerprint = request_fingerprint(request)
        except RequestDataTooBig:
            return error_response(PayloadTooLargeError("The request body is too large."))
        if stored is not None:
            return _answer_stored(key, fingerprint, stored)
        guard = _KeyGuard(user.pk, key)
        with connection.execute_wrapper(guard):
            response = self.get_response(request)
            if guard.twin_answer is None and 200 <= response.status_code < 300 and not response.streaming:
                guard.lock()  # a view that only read has not taken it yet
            if guard.twin_answer is not None:  # a twin finished first: its answer, nothing of ours
                transaction.set_rollback(True)
                return _answer_stored(key, fingerprint, guard.twin_answer)
            if not guard.locked:
                # A refusal decided by prepared reads alone. A twin may have finished, or be finishing,
                # since the first statement (and its effects may be why this one refuses): wait for it
                # and answer as it did, as a retry would be answered.
                stored = _take_outside(user.pk, key)
                if stored is not None or connection.run_on_commit:
                    transaction.set_rollback(True)  # nothing written; nothing waits to run after it
                if stored is not None:
                    return _answer_stored(key, fingerprint, stored)
            elif 200 <= response.status_code < 300 and not response.streaming:
                IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    fingerprint=fingerprint,
                    status_code=response.status_code,
                    content_type=response.get("Content-Type", "application/json"),
                    body=response.content,
                )
            elif connection.run_on_commit or (guard.other and not _wrote_nothing()):
                transaction.set_rollback(True)  # undo its writes; and nothing waits to run after a refusal
        return response


def _answer_stored(key: str, fingerprint: str, stored: tuple) -> HttpResponse:
    if stored[0] != fingerprint:
        return error_response(IdempotencyKeyReusedError(key=key))
    return replay(status_code=stored[1], content_type=stored[2], body=stored[3])


class TwinAnsweredError(Exception):
    """Raised at a request's first write when a twin with its key finished while it only read; the
    middleware rolls the request back and replays the twin's answer (config.api answers it quietly)."""


def _user_taking_key(request: HttpRequest, key: str) -> tuple[object, tuple | None] | None:
    """(user, what a twin stored under the key or None) with the key's lock held; None when nobody is
    signed in. A token's session, its user and the key's lock are one statement (accounts.security);
    a cookie session's user is already loaded, and the key takes one of its own."""
    token = request.headers.get("X-Session-Token")
    if token:
        from accounts.security import token_user_taking_key

        user, stored = token_user_taking_key(token, key)
        request.fubi_token_user = (token, user)  # ninja's auth reuses it
        if user is None:
            return None
        if stored is None and not _key_taken_with_user():
            stored = _take_outside(user.pk, key)
        return user, stored
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return user, _take_outside(user.pk, key)


def _key_taken_with_user() -> bool:
    from accounts.security import SESSION_ENGINE

    return settings.SESSION_ENGINE == SESSION_ENGINE


def _take(user_id: int, key: str, *, outside: bool = False) -> tuple | None:
    """Wait while a twin holds (user, key); then what it stored, if it committed an answer. Outside:
    as a statement of its own while the request's transaction has not begun (core.rows), holding
    nothing afterwards."""
    with prepared_cursor() as cursor, outside_transaction() if outside else nullcontext():
        cursor.execute(
            "SELECT fingerprint, status_code, content_type, body FROM fubi_idempotency_take(%s, %s)", [user_id, key]
        )
        return cursor.fetchone()


def _take_outside(user_id: int, key: str) -> tuple | None:
    """_take as a statement of its own while the request's transaction has not begun: it waits for a
    twin holding the key and reads what it stored, and holds nothing afterwards."""
    taking = READING.set(True)  # writes nothing; not one of the view's statements
    try:
        return _take(user_id, key, outside=True)
    finally:
        READING.reset(taking)


class _KeyGuard:
    """Watches a keyed request's statements. PlainRead's (core.rows: SELECTs that write nothing) run
    as they come, outside the transaction while it has not begun. Before any other, the key's lock
    is taken inside the transaction (which that begins); if a twin stored an answer meanwhile, the
    request stops: that statement and every later one raise TwinAnsweredError."""

    def __init__(self, user_id: int, key: str) -> None:
        self.user_id = user_id
        self.key = key
        self.other = 0  # statements of unknown effect
        self.locked = False
        self.twin_answer: tuple | None = None

    def lock(self) -> None:
        if not self.locked:
            self.locked = True
            taking = READING.set(True)  # writes nothing; not one of the view's statements
            try:
                self.twin_answer = _take(self.user_id, self.key)
            finally:
                READING.reset(taking)

    def __call__(self, execute, sql, params, many, context):
        if READING.get():
            return execute(sql, params, many, context)
        if not self.locked:
            self.lock()  # its own statement comes back here, locked by then
        if self.twin_answer is not None:
            raise TwinAnsweredError()
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
