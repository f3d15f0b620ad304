"""allauth adapter: rate-limited logins answer 429 like django-axes' lockouts do; staff land on
their workspace after logging in; a person's first login is remembered for the home page's greeting."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from core.clientip import client_ip
from core.workspace import FIRST_VISIT_KEY, workspace_of


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's rate limits count by the address every limiter uses (core.clientip)."""
        address = client_ip(request)
        if address is None:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as error:
            if getattr(error, "code", None) == "too_many_login_attempts":
                # AxesMiddleware turns a request marked like this into our 429 response.
                request.axes_locked_out = True
                request.axes_credentials = credentials
            raise

    def login(self, request: HttpRequest, user: Any) -> None:
        """Log in; a user who never logged in before is greeted as new, not "welcome back"."""
        first_visit = user.last_login is None  # Django sets it during the login below
        super().login(request, user)
        if first_visit:
            request.session[FIRST_VISIT_KEY] = True

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Staff go to their workspace (a `next` the login page was given still comes first)."""
        workspace = workspace_of(request.user)
        return workspace["url"] if workspace else super().get_login_redirect_url(request)
