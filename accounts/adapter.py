"""allauth adapter: rate-limited logins answer 429 like django-axes' lockouts do."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as error:
            if getattr(error, "code", None) == "too_many_login_attempts":
                # AxesMiddleware turns a request marked like this into our 429 response.
                request.axes_locked_out = True
                request.axes_credentials = credentials
            raise
