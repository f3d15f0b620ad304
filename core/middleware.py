"""Middleware that pages need and the JSON API does not pay for.

A burst of API requests (thousands of claims on one task, a sold-out reward) spends most of its
server time in per-request overhead, so page machinery steps aside for requests under /api/:

- The Content-Security-Policy describes what a *document* may load; django-csp builds it (deep
  copies of the settings) for every response, while a JSON body loads nothing. JSON answers go
  without it; every page keeps it, the API docs page (/api/v1/docs, an HTML document) included.
- Django's messages are flashed by page views and shown by templates; nothing under /api/ uses them.
- The language: the same choice as Django's LocaleMiddleware (the language cookie, then
  Accept-Language, then LANGUAGE_CODE; our URLs have no language prefixes), remembered per distinct
  cookie and header instead of worked out again on every request.

CommonMiddleware (the Host check, Content-Length), CSRF and X-Frame-Options stay Django's own for
every request (``check --deploy`` asks for the last two by name); the API's views are csrf_exempt,
and django-ninja checks the token itself for the one authentication that needs it, the session cookie.
"""

import json
from collections.abc import Callable
from functools import lru_cache
from types import SimpleNamespace

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware as BaseMessageMiddleware
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.locale import LocaleMiddleware as BaseLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

API_PREFIX = "/api/"
DOCS_PATH = "/api/v1/docs"


def is_api_request(request: HttpRequest) -> bool:
    """A request for the JSON API (its HTML documentation page is a page)."""
    path = request.path_info
    return path.startswith(API_PREFIX) and not path.startswith(DOCS_PATH)


class PagesOnly:
    """For a MiddlewareMixin middleware: requests for the JSON API pass straight through."""

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if is_api_request(request):
            return self.get_response(request)
        return super().__call__(request)


class MessageMiddleware(PagesOnly, BaseMessageMiddleware):
    pass


class CSPMiddleware(PagesOnly, BaseCSPMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        return super().process_response(request, response)


@lru_cache(maxsize=512)
def _language(cookie: str | None, accept_language: str) -> str:
    """Django's own choice (translation.get_language_from_request) for this cookie and header."""
    cookies = {settings.LANGUAGE_COOKIE_NAME: cookie} if cookie is not None else {}
    request = SimpleNamespace(COOKIES=cookies, META={"HTTP_ACCEPT_LANGUAGE": accept_language})
    return translation.get_language_from_request(request, check_path=False)


@receiver(setting_changed)
def _forget_languages(*, setting: str, **kwargs: object) -> None:
    """Tests that change the languages get answers for the new ones (as Django's own caches do)."""
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LANGUAGE_COOKIE_NAME", "LOCALE_PATHS"}:
        _language.cache_clear()


class LocaleMiddleware(BaseLocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if not is_api_request(request):
            return super().process_request(request)
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        translation.activate(_language(cookie, request.META.get("HTTP_ACCEPT_LANGUAGE", "")))
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not is_api_request(request):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


# Every answer under /api/ is the contract's JSON. Django itself answers some requests before or
# around the API's views (a method a path does not take: django-ninja's 405; a Host outside
# ALLOWED_HOSTS: 400; a server error outside the API's handler: 500): those get the same body.
_API_ERROR_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def api_error_body(status: int, allowed: str = "") -> bytes:
    """The contract's error body for a status Django (not our handler) chose."""
    _ = translation.gettext
    code = _API_ERROR_CODES.get(status, "server_error" if status >= 500 else "error")
    messages = {
        "not_found": _("No such API endpoint."),
        "method_not_allowed": _("This endpoint does not take this method; it takes %(allowed)s.")
        % {"allowed": allowed or "-"},
        "server_error": _("Something went wrong on our side; it has been logged."),
    }
    message = messages.get(code) or _("The request was refused (HTTP %(status)d).") % {"status": status}
    details = {"allowed": [m.strip() for m in allowed.split(",") if m.strip()]} if code == "method_not_allowed" else {}
    return json.dumps({"code": code, "message": str(message), "details": details}, ensure_ascii=False).encode()


class ApiErrorShapeMiddleware:
    """Under /api/, an error answer that is not JSON becomes the contract's {"code", "message",
    "details"}, keeping its status and headers (Allow, cookies, security headers). Costs one
    comparison on every other answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code < 400 or not is_api_request(request):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        if response.has_header("Allow"):  # django-ninja lists a set's order: say it the same way every time
            response["Allow"] = ", ".join(sorted(m.strip() for m in response["Allow"].split(",") if m.strip()))
        body = api_error_body(response.status_code, response.get("Allow", ""))
        if response.streaming:
            shaped = HttpResponse(body, status=response.status_code)
            for name, value in response.items():
                if name.lower() not in ("content-type", "content-length"):
                    shaped[name] = value
            shaped.cookies = response.cookies
            response = shaped
        else:
            response.content = body
        response["Content-Type"] = "application/json"
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(body))
        return response
