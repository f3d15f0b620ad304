"""django-axes hooks: who a login attempt is for, and what a locked-out client is told."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def credentials_email(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """allauth authenticates with email=...; axes must count failures per email."""
    credentials = credentials or {}
    return str(credentials.get("email") or credentials.get("username") or "").strip().lower()


def lockout_response(
    request: HttpRequest, response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """429 in the API's error shape for app clients, a page for browsers."""
    message = _("Too many failed login attempts. Wait a few minutes and try again.")
    if request.path.startswith(("/_allauth/", "/api/")):
        response = JsonResponse({"code": "rate_limited", "message": message, "details": {}}, status=429)
    else:
        response = render(request, "accounts/locked_out.html", {"message": message}, status=429)
    # The longest wait: axes' cool-off (allauth's own login limits are shorter).
    response["Retry-After"] = str(max(1, round(settings.AXES_COOLOFF_TIME * 3600)))
    return response
