"""Domain errors: they know nothing of HTTP. config/api.py maps them to status codes."""

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every error a service or selector raises on purpose."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    default_message: ClassVar[str] = "The request could not be completed."

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)


class BadRequestError(DomainError):
    code = "bad_request"
    status = 400


class NotAuthenticatedError(DomainError):
    code = "not_authenticated"
    status = 401
    default_message = "Authentication is required."


class ForbiddenError(DomainError):
    code = "forbidden"
    status = 403
    default_message = "You are not allowed to do this."


class NotFoundError(DomainError):
    code = "not_found"
    status = 404
    default_message = "Not found."


class ConflictError(DomainError):
    code = "conflict"
    status = 409
    default_message = "The request conflicts with the current state."


class PayloadTooLargeError(DomainError):
    code = "payload_too_large"
    status = 413
    default_message = "The upload is too large."


class TooManyFilesError(PayloadTooLargeError):
    # Every file the app takes is a photo; the code is the one POST /tips has always answered.
    code = "too_many_photos"
    default_message = "Too many files in one request."


class UnsupportedMediaError(DomainError):
    code = "unsupported_media_type"
    status = 415
    default_message = "The upload is not of a supported type."


class InvalidError(DomainError):
    code = "invalid"
    status = 422
    default_message = "Some values are invalid."


class RateLimitedError(DomainError):
    """Past a rate limit (core.ratelimit). config/api.py sends retry_after as the Retry-After header."""

    code = "rate_limited"
    status = 429
    default_message = "Too many requests; try again later."

    def __init__(self, message: str | None = None, *, retry_after: int = 60, **details: Any) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(message, retry_after=self.retry_after, **details)


class IdempotencyKeyReusedError(ConflictError):
    code = "idempotency_key_reused"
    default_message = "This Idempotency-Key was already used for a different request."
