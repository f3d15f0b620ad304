"""Session tokens for bench citizens, written straight into the session table.

What allauth's app login answers as ``meta.session_token``: a database session signed in as the
user (accounts.sessions engine, the user's id in its column), without a password round per user.
"""

import secrets
from datetime import timedelta


def session_tokens(users: list) -> list[str]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone

    from accounts.models import UserSession
    from accounts.sessions import SessionStore

    store = SessionStore()
    expire = timezone.now() + timedelta(days=1)
    rows, keys = [], []
    for user in users:
        key = secrets.token_hex(16)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "accounts.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        rows.append(UserSession(session_key=key, session_data=store.encode(data), expire_date=expire, user=user))
        keys.append(key)
    UserSession.objects.bulk_create(rows, batch_size=1000)
    return keys
