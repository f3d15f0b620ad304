"""API authentication: allauth's app session token in the X-Session-Token header."""

from allauth.headless.internal.sessionkit import authenticate_by_x_session_token
from django.http import HttpRequest
from ninja.security import APIKeyHeader

from accounts.models import User


class XSessionTokenAuth(APIKeyHeader):
    """The token that POST /_allauth/app/v1/auth/login answers in meta.session_token.

    Documented in OpenAPI as an apiKey header (allauth's own class leaves out where it lives).
    """

    param_name = "X-Session-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        if not key:
            return None
        cached = getattr(request, "fubi_token_user", None)  # set by the idempotency middleware
        if cached is not None and cached[0] == key:
            if cached[1] is not None:
                request.user = cached[1]
            return cached[1]
        found = authenticate_by_x_session_token(key)
        if not found:
            return None
        request.user = found[0]
        return found[0]


x_session_token_auth = XSessionTokenAuth()
