"""API authentication: allauth's app session token in the X-Session-Token header."""

from allauth.core.internal.sessionkit import get_session_user
from allauth.headless.internal.sessionkit import lookup_session
from django.http import HttpRequest
from ninja.security import APIKeyHeader

from accounts.models import User


def session_token_user(request: HttpRequest, token: str) -> User | None:
    """The user an X-Session-Token logs in, looked up once per request (the answer is kept on it).

    allauth's session-token strategy asks "does the session exist?" and then loads it (two
    queries); allauth's own ``lookup_session`` loads it once, and a missing or expired session
    answers None just the same. The user is then loaded and checked (backend, session hash,
    is_active) by Django's ``get_user`` as before. Nothing is cached across requests: a logged-out
    (deleted) session stops working at once.
    """
    cached = getattr(request, "fubi_token_user", None)
    if cached is not None and cached[0] == token:
        return cached[1]
    session = lookup_session(token)
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
