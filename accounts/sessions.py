"""The session engine (SESSION_ENGINE): Django's database sessions, stored as accounts.UserSession.

The same store as ``django.contrib.sessions.backends.db`` (same signing salt, same expiry), which
also writes the signed-in user's id into its own column whenever the session is saved.
"""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.core.exceptions import ValidationError

from accounts.models import User, UserSession


class SessionStore(db.SessionStore):
    @classmethod
    def get_model_class(cls) -> type[UserSession]:
        return UserSession

    def create_model_instance(self, data: dict) -> UserSession:
        session = super().create_model_instance(data)
        try:
            session.user_id = User._meta.pk.to_python(data.get(SESSION_KEY)) if data.get(SESSION_KEY) else None
        except ValidationError:  # a malformed id is simply no user
            session.user_id = None
        return session
