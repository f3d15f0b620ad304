"""API authentication: allauth's app session token in the X-Session-Token header."""

from allauth.core.internal.sessionkit import get_session_user
from allauth.headless.internal.sessionkit import lookup_session
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from ninja.security import APIKeyHeader

from accounts.models import User
from accounts.queries import session_user, session_user_taking_key
from accounts.sessions import SessionStore
from core import tokens

SESSION_ENGINE = "accounts.sessions"


def _hash_verified(user: User, session_hash: str | None) -> bool:
    if not session_hash:
        return False
    if constant_time_compare(session_hash, user.get_session_auth_hash()):
        return True
    # signed with a retired SECRET_KEY (SECRET_KEY_FALLBACKS): still valid, as Django's get_user allows
    return any(constant_time_compare(session_hash, fallback) for fallback in user.get_session_auth_fallback_hash())


def token_user(token: str) -> User | None:
    """The user a session token signs in, or None: one statement for the session and the user.

    The same rules as Django's ``get_user`` over allauth's ``lookup_session``: the session exists and
    has not expired, its signed data name this user and a configured backend, the backend lets the
    user in (active), and the session's auth hash matches the user's password (a password change
    ends every other session).
    """
    if settings.SESSION_ENGINE != SESSION_ENGINE:  # another engine: allauth's own lookup
        session = lookup_session(token)
        return get_session_user(session) if session is not None else None
    store = SessionStore(session_key=token)
    if store.session_key is None:  # not a well-formed key: no query at all
        return None
    found = session_user(token=token, now=timezone.now())
    if found is None:
        return None
    user, session_data = found
    return _signed_in(store, user, session_data)


def token_user_taking_key(token: str, key: str) -> tuple[User | None, tuple | None] | None:
    """``token_user``, and inside the caller's transaction the Idempotency-Key's lock for that user
    with the answer a twin stored, if any: (user, (fingerprint, status, content_type, body) | None).
    None under another session engine: the caller takes the key itself (core.tokens)."""
    if settings.SESSION_ENGINE != SESSION_ENGINE:
        return None
    store = SessionStore(session_key=token)
    if store.session_key is None:
        return None, None
    found = session_user_taking_key(token=token, now=timezone.now(), key=key)
    if found is None:
        return None, None
    user, session_data, stored = found
    user = _signed_in(store, user, session_data)
    return user, (stored if user is not None else None)


def _signed_in(store: SessionStore, user: User, session_data: str) -> User | None:
    data = store.decode(session_data)  # {} when the signature does not hold
    try:
        same_user = User._meta.pk.to_python(data.get(SESSION_KEY)) == user.pk
    except ValidationError:
        return None
    backend_path = data.get(BACKEND_SESSION_KEY)
    if not same_user or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    if not load_backend(backend_path).user_can_authenticate(user):
        return None
    return user if _hash_verified(user, data.get(HASH_SESSION_KEY)) else None


class XSessionTokenAuth(APIKeyHeader):
    """The token that POST /_allauth/app/v1/auth/login answers in meta.session_token.

    Documented in OpenAPI as an apiKey header (allauth's own class leaves out where it lives).
    """

    param_name = "X-Session-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        if not key:
            return None
        user = tokens.token_user(request, key)  # once per request: the idempotency middleware may have asked
        if user is not None:
            request.user = user
        return user


x_session_token_auth = XSessionTokenAuth()
