"""allauth's own 429 answers in the contract's terms (docs/api.md, trust rules: sign-up and login past their
limits answer 429 `rate_limited` with Retry-After).

allauth counts sign-ups, logins and password resets per client address (core.clientip, through
accounts.adapter) and per email, and answers a bare 429: `{"status": 429}` from its headless API,
a page otherwise, neither with Retry-After. AuthRateLimitMiddleware adds the header — the longest
period among allauth's limits for that action, as allauth does not say which one was hit — and, to
a JSON answer, the contract's code, message and details beside allauth's own status. django-axes'
lockouts (accounts.lockout) already answer that way and pass through unchanged.
"""

import json
from collections.abc import Callable

from allauth.account import app_settings as allauth_settings
from allauth.core.internal.ratelimit import parse_rates
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

PREFIXES = ("/_allauth/", "/accounts/")


def allauth_retry_after(path: str) -> int:
    """Seconds until allauth's limits for the action at `path` have surely passed."""
    limits = allauth_settings.RATE_LIMITS
    if "signup" in path:
        actions = ["signup"]
    elif "login" in path:
        actions = ["login", "login_failed"]
    else:
        actions = list(limits)
    periods = [rate.duration for action in actions for rate in parse_rates(limits.get(action))]
    return int(max(periods, default=60))


class AuthRateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 429 or response.has_header("Retry-After"):
            return response
        if not request.path_info.startswith(PREFIXES):
            return response
        retry_after = allauth_retry_after(request.path_info)
        response["Retry-After"] = str(retry_after)
        if response.get("Content-Type", "").startswith("application/json"):
            body = json.loads(response.content or b"{}")
            if isinstance(body, dict) and "code" not in body:
                body.update(
                    code="rate_limited",
                    message=_("Too many attempts in a short time. Wait a few minutes and try again."),
                    details={"retry_after": retry_after},
                )
                response.content = json.dumps(body)
        return response
