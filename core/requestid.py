"""The id of the request being answered, for logs and error answers (core.failures sets it).

Every log record gets `request_id` ("-" outside a request) through RequestIdFilter, which the
console handler in settings.LOGGING uses, so an error's traceback and the id a client was told in
its answer (X-Request-ID and the body's details.request_id) can be matched.
"""

import logging
import re
import uuid
from contextvars import ContextVar

REQUEST_ID: ContextVar[str] = ContextVar("fubi_request_id", default="-")
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{8,64}")


def request_id_new(incoming: str | None = None) -> str:
    """The id a proxy in front gave the request (X-Request-ID) if it looks like one, else a new one."""
    if incoming and _ACCEPTED.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True
