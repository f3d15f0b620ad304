"""Middleware that pages need and the JSON API does not pay for.

A burst of API requests (thousands of claims on one task, a sold-out reward) spends most of its
server time in per-request overhead, so two pieces of page machinery step aside for it:

- the Content-Security-Policy header describes what a *document* may load; django-csp builds the
  policy (deep copies of the settings) for every response, while a JSON body loads nothing. JSON
  responses go without it; every page keeps it, the API docs page included.
- Django's messages are flashed by page views and shown by templates; nothing under /api/ uses them.
"""

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from django.contrib.messages.middleware import MessageMiddleware as BaseMessageMiddleware
from django.http import HttpRequest, HttpResponseBase

API_PREFIX = "/api/"


class CSPMiddleware(BaseCSPMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        return super().process_response(request, response)


class MessageMiddleware(BaseMessageMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if not request.path_info.startswith(API_PREFIX):
            super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if hasattr(request, "_messages"):
            return super().process_response(request, response)
        return response
