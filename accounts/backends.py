"""Authentication backends: Django's and allauth's, loading the session's user with one plain read.

Every request signed in by a session (cookie or X-Session-Token) loads its user through the
backend named in the session. The stock ``get_user`` builds an ORM query each time; these build the
statement once (accounts.queries.user_by_pk) and keep every rule: the user must exist and be active, and Django's
``get_user`` still checks the session's password hash afterwards.
"""

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.queries import user_by_pk


def user_get_active(backend: django_backends.ModelBackend, user_id: object) -> User | None:
    try:
        pk = User._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    user = user_by_pk(user_id=pk)
    return user if user is not None and backend.user_can_authenticate(user) else None


class ModelBackend(django_backends.ModelBackend):
    def get_user(self, user_id: object) -> User | None:
        return user_get_active(self, user_id)


class AuthenticationBackend(allauth_backends.AuthenticationBackend):
    def get_user(self, user_id: object) -> User | None:
        return user_get_active(self, user_id)
