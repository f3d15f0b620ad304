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

from functools import lru_cache
from types import SimpleNamespace

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware as BaseMessageMiddleware
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase
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
