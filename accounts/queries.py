"""The accounts app's fast paths: the reads every signed-in request makes, each a named function
with keyword arguments, built once and run as prepared statements (core.rows.PlainRead).

Why hand-written: the ORM spends about 0.3 ms of Python compiling each of these on every API
request, which was most of a small request's CPU (docs/performance.md, "Fast paths"); the statement
built once and prepared per connection also halves PostgreSQL's CPU per read.
accounts/tests/test_queries.py holds each answer equal to the ORM's.
"""

from datetime import datetime

from accounts.models import User, UserSession
from core.rows import PlainRead

_USER = f'"{User._meta.db_table}"'
_SESSION_JOIN = f'JOIN "{UserSession._meta.db_table}" s ON s.user_id = {_USER}.id'
_LIVE = "s.session_key = %(token)s AND s.expire_date > %(now)s"

_USER_BY_PK = PlainRead(User, where=f"{_USER}.id = %(user_id)s")
_SESSION_USER = PlainRead(User, extra=["s.session_data"], joins=_SESSION_JOIN, where=_LIVE)
_SESSION_USER_TAKING_KEY = PlainRead(
    User,
    extra=["s.session_data", "k.fingerprint", "k.status_code", "k.content_type", "k.body"],
    joins=f"{_SESSION_JOIN} LEFT JOIN LATERAL fubi_idempotency_take(s.user_id, %(key)s) k ON true",
    where=_LIVE,
)


def user_by_pk(*, user_id: int) -> User | None:
    """The user with this id (every field), or None: the auth backends' ``get_user`` of every
    cookie-signed request. Replaces ``User.objects.filter(pk=user_id).first()``."""
    return _USER_BY_PK.get(user_id=user_id)


def session_user(*, token: str, now: datetime) -> tuple[User, str] | None:
    """(the user, the session's signed data) of the session stored under ``token`` if it has not
    expired at ``now``, or None — the session and its user in one round trip (the ORM: two).
    The caller checks the signed data (accounts.security)."""
    found = _SESSION_USER.get_with_extra(token=token, now=now)
    return (found[0], found[1][0]) if found is not None else None


def session_user_taking_key(
    *, token: str, now: datetime, key: str
) -> tuple[User, str, tuple[str, int, str, bytes] | None] | None:
    """``session_user``, and in the same statement the Idempotency-Key's lock for that user
    (fubi_idempotency_take, core/migrations/0002), held until the caller's transaction ends:
    (user, signed data, (fingerprint, status_code, content_type, body) a twin stored or None);
    None when no live session has this token (no lock taken then)."""
    found = _SESSION_USER_TAKING_KEY.get_with_extra(token=token, now=now, key=key)
    if found is None:
        return None
    user, (session_data, *stored) = found
    return user, session_data, (tuple(stored) if stored[0] is not None else None)
