"""The HTTP API at /api/v1: one NinjaAPI, a router per app, and one error shape for everything.

Every error answers {"code": snake_case, "message": human sentence, "details": {...}}.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import SessionAuth

from accounts.security import x_session_token_auth
from core.errors import DomainError, RateLimitedError
from core.failures import database_unavailable, server_error_response, unavailable_response

logger = logging.getLogger(__name__)

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["code", "message", "details"],
    "properties": {
        "code": {"type": "string", "description": "machine-readable snake_case code"},
        "message": {"type": "string", "description": "a human sentence"},
        "details": {"type": "object"},
    },
}


class FubiAPI(NinjaAPI):
    """NinjaAPI that documents the one error shape on every operation (4XX and 5XX)."""

    def get_openapi_schema(self, *args: object, **kwargs: object) -> dict:
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                responses.setdefault("4XX", {"description": "Client error", **error})
                responses.setdefault("5XX", {"description": "Server error", **error})
        return schema


NUL_MESSAGE = "Text cannot contain the NUL character (\\u0000)."


def _nul_errors(value: object, loc: list[str | int]) -> list[dict]:
    """Where a text value holds NUL, which no PostgreSQL text column can store (a 500 if it got there)."""
    if isinstance(value, str):
        return [{"loc": loc, "msg": NUL_MESSAGE, "type": "string_nul"}] if "\x00" in value else []
    if isinstance(value, dict):
        return [error for key, item in value.items() for error in _nul_errors(item, [*loc, str(key)])]
    if isinstance(value, list):
        return [error for index, item in enumerate(value) for error in _nul_errors(item, [*loc, index])]
    return []


class FubiParser(Parser):
    """ninja's parser, refusing text with NUL anywhere in a JSON body, a form or a query string:
    422 `invalid` naming the field, for every endpoint at once, before any view runs."""

    def parse_body(self, request: HttpRequest) -> dict:
        data = super().parse_body(request)
        if errors := _nul_errors(data, ["body", "payload"]):  # as ninja names a body field
            raise ValidationError(errors)  # ninja wraps it in its 400; http_error answers it as the 422
        return data

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> dict:
        parsed = super().parse_querydict(data, list_fields, request)
        where = "form" if data is request.POST else "query"
        if errors := _nul_errors(parsed, [where]):
            raise ValidationError(errors)
        return parsed


api = FubiAPI(
    parser=FubiParser(),
    title="Fubi API",
    version="1.0.0",
    description="Volunteer tasks, tips, the points ledger and the reward shop. See docs/api.md in the repository.",
    auth=[x_session_token_auth, SessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {"code": code, "message": message, "details": details or {}}


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = api.create_response(request, error_body(exc.code, str(exc.message), exc.details), status=exc.status)
    if isinstance(exc, RateLimitedError):
        response["Retry-After"] = str(exc.retry_after)  # seconds (docs/api.md, trust rules)
    return response


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = []
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", [])]
        # ("body", "payload", "field") → "field"; ("query", "limit") → "limit"
        name = loc[2:] if loc[:1] == ["body"] and len(loc) > 2 else loc[1:] or loc
        fields.append({"field": ".".join(name), "message": str(error.get("msg", "invalid"))})
    message = "; ".join(f"{item['field']}: {item['message']}" for item in fields) or "Invalid values."
    return api.create_response(request, error_body("invalid", message, {"errors": fields}), status=422)


@api.exception_handler(DjangoValidationError)
def django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    details = exc.message_dict if hasattr(exc, "error_dict") else {"errors": exc.messages}
    return api.create_response(request, error_body("invalid", " ".join(exc.messages), details), status=422)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, error_body("not_authenticated", "Authentication is required: log in first."), status=401
    )


@api.exception_handler(AuthorizationError)
def authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return api.create_response(request, error_body("forbidden", "You are not allowed to do this."), status=403)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, error_body("forbidden", str(exc) or "You are not allowed to do this."), 403)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ValidationError):  # a body that parsed but holds NUL (FubiParser)
        return validation_error(request, exc.__cause__)
    codes = {
        400: "malformed_request",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        429: "rate_limited",
    }
    code = codes.get(exc.status_code, "error")
    message = str(exc)
    if code == "malformed_request":
        message = "The request body could not be parsed: send valid JSON."
    elif code == "forbidden" and "CSRF" in message:  # ninja's check for the session cookie
        message = (
            "CSRF check failed: with a session cookie, send the csrftoken cookie's value in an X-CSRFToken"
            " header (or authenticate with X-Session-Token instead)."
        )
    return api.create_response(request, error_body(code, message), status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, error_body("not_found", "Not found."), status=404)


@api.exception_handler(Exception)
def unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # core.failures: the database out of reach is 503 unavailable with Retry-After; anything else is
    # a bug of ours, logged with the traceback and answered with the request id the log line carries.
    if database_unavailable(exc):
        logger.warning("Database unavailable in %s %s: %s", request.method, request.path, exc)
        return unavailable_response(request)
    logger.exception("Unhandled error in %s %s", request.method, request.path)
    return server_error_response(request)


def _add_routers() -> None:
    # One router per app; each app's paths are the contract's (docs/api.md), so all mount at the root.
    # Django tries URL patterns in order: the busiest routers (claims and nearby search, shop orders)
    # come first, so a burst's request is matched after a few patterns rather than forty.
    from accounts.api import router as accounts_router
    from community.api import router as community_router
    from engagement.api import router as engagement_router
    from insight.api import router as insight_router
    from ledger.api import router as ledger_router
    from live.api import router as live_router
    from notify.api import router as notify_router
    from operations.api import router as operations_router
    from quizzes.api import router as quizzes_router
    from rewards.api import router as rewards_router
    from safehouses.api import router as safehouses_router
    from tasks_app.api import router as tasks_router
    from tips.api import router as tips_router

    for router in (
        tasks_router,
        rewards_router,
        tips_router,
        accounts_router,
        ledger_router,
        engagement_router,
        safehouses_router,
        operations_router,
        notify_router,
        quizzes_router,
        community_router,
        insight_router,
        live_router,
    ):
        api.add_router("", router)


_add_routers()
