"""API authentication: allauth's app session token in the X-Session-Token header."""

from allauth.core.internal.sessionkit import get_session_user
from allauth.headless.internal.sessionkit import lookup_session
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db as db_sessions
from django.contrib.sessions.models import Session
from django.db import connections, router
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyHeader

from accounts.models import User
from core.rows import prepared_cursor

DB_SESSION_ENGINE = "django.contrib.sessions.backends.db"


class TokenSessionStore(db_sessions.SessionStore):
    """Django's database session store, loading its row with one plain, prepared statement.

    The same row and the same rule as ``_get_session_from_db`` (the key, not yet expired), without
    building an ORM query on every API request.
    """

    # Django salts the signed session data with the store's class name: sign and read as its own.
    key_salt = "django.contrib.sessions." + db_sessions.SessionStore.__qualname__

    def _get_session_from_db(self) -> Session | None:
        alias = router.db_for_read(Session)
        table = connections[alias].ops.quote_name(Session._meta.db_table)
        with prepared_cursor(alias) as cursor:
            cursor.execute(
                f"SELECT session_data, expire_date FROM {table} WHERE session_key = %s AND expire_date > %s",  # noqa: S608 - the model's own table name
                [self.session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return Session(session_key=self.session_key, session_data=row[0], expire_date=row[1])


def token_session(token: str) -> db_sessions.SessionStore | None:
    """The live session a token names, or None (missing, expired or malformed); as allauth's lookup_session."""
    if settings.SESSION_ENGINE != DB_SESSION_ENGINE:
        return lookup_session(token)
    session = TokenSessionStore(session_key=token)
    if session.session_key is None:  # not a well-formed key: no query at all
        return None
    session.get(SESSION_KEY)  # loads the row; a missing or expired one clears session_key
    return session if session.session_key else None


def session_token_user(request: HttpRequest, token: str) -> User | None:
    """The user an X-Session-Token logs in, looked up once per request (the answer is kept on it).

    allauth's session-token strategy asks "does the session exist?" and then loads it (two
    queries); ``token_session`` loads it once, and a missing or expired session answers None just
    the same. The user is then loaded and checked (backend, session hash, is_active) by Django's
    ``get_user`` as before. Nothing is cached across requests: a logged-out (deleted) session
    stops working at once.
    """
    cached = getattr(request, "fubi_token_user", None)
    if cached is not None and cached[0] == token:
        return cached[1]
    session = token_session(token)
    user = get_session_user(session) if session is not None else None
    request.fubi_token_user = (token, user)
    return user


class XSessionTokenAuth(APIKeyHeader):
    """The token that POST /_allauth/app/v1/auth/login answers in meta.session_token.

    Documented in OpenAPI as an apiKey header (allauth's own class leaves out where it lives).
    """

    param_name = "X-Session-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        if not key:
            return None
        user = session_token_user(request, key)
        if user is not None:
            request.user = user
        return user


x_session_token_auth = XSessionTokenAuth()
