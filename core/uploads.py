"""Upload limits that hold before anything reads the body (UploadLimitsMiddleware).

Django caps the non-file fields of a body (DATA_UPLOAD_MAX_MEMORY_SIZE) and the number of files
(DATA_UPLOAD_MAX_NUMBER_FILES), but streams any amount of file data to disk first, and answers a
seventh file with a bare 400. Here a body whose Content-Length is past DATA_UPLOAD_MAX_MEMORY_SIZE
(six photos and the form) is refused unread, and a multipart body is parsed once, early, so that
too many files under any field names answer 413 `too_many_photos` in the contract's shape (a plain
sentence for pages) — never a 500 or Django's HTML 400.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from core.errors import DomainError, PayloadTooLargeError, TooManyFilesError
from core.idempotency import error_response

JSON_PREFIXES = ("/api/", "/_allauth/", "/open311/")


class UploadLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = upload_refusal(request)
        if refusal is not None:
            return _respond(request, refusal)
        return self.get_response(request)


def upload_refusal(request: HttpRequest) -> DomainError | None:
    """Why this request's body is refused before reading it, or None."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0  # CommonMiddleware and Django's parsers deal with a malformed header
    if limit is not None and length > limit:
        return PayloadTooLargeError(
            _("The request is %(size)d bytes; at most %(limit)d are accepted.") % {"size": length, "limit": limit},
            max_bytes=limit,
        )
    if request.method == "POST" and request.content_type == "multipart/form-data":
        try:
            request.FILES  # noqa: B018 - parse now: the limits below are raised while parsing
        except TooManyFilesSent:
            most = settings.DATA_UPLOAD_MAX_NUMBER_FILES
            return TooManyFilesError(
                _("At most %(most)d photos can be sent in one request.") % {"most": most}, max_files=most
            )
        except RequestDataTooBig:
            return PayloadTooLargeError(_("The form fields are too large."), max_bytes=limit)
    return None


def _respond(request: HttpRequest, error: DomainError) -> HttpResponse:
    if request.path_info.startswith(JSON_PREFIXES):
        return error_response(error)
    return HttpResponse(str(error.message), status=error.status, content_type="text/plain; charset=utf-8")
