"""Sending text messages: one backend chosen by FUBI_SMS_BACKEND, as Django chooses its email backend.

- ``accounts.sms.ConsoleBackend`` (development and tests): logs the message and keeps it in
  ``accounts.sms.outbox`` (a list, like ``django.core.mail.outbox``), so a test reads the code sent.
- ``accounts.sms.HttpGatewayBackend`` (production): one JSON POST per message to
  FUBI_SMS_GATEWAY_URL with ``Authorization: Bearer FUBI_SMS_API_KEY``, body
  ``{"to": "+8613800138000", "text": "...", "sender": FUBI_SMS_SENDER}``; any 2xx answer whose JSON does
  not say ``"ok": false`` is sent. Timeouts, refused connections, other statuses and malformed answers
  raise SmsError (the Celery task retries). Most Chinese SMS providers (or a small relay in front of
  one) take this shape; another shape is one subclass away.

Nothing here runs inside a database transaction: accounts.tasks.sms_send_task calls it after commit.
"""

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The message could not be handed to the provider."""


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str


class SmsBackend(Protocol):
    def send(self, message: SmsMessage) -> None: ...


outbox: list[SmsMessage] = []  # what ConsoleBackend sent, oldest first (tests empty it)


class ConsoleBackend:
    """Development and tests: the message goes to the log and to ``outbox``."""

    def send(self, message: SmsMessage) -> None:
        outbox.append(message)
        logger.info("SMS to %s: %s", message.to, message.text)


class HttpGatewayBackend:
    """A provider's HTTP API: JSON in, JSON out, an API key in the Authorization header."""

    def __init__(self, url: str | None = None, api_key: str | None = None, timeout: float | None = None) -> None:
        self.url = url if url is not None else settings.FUBI_SMS_GATEWAY_URL
        self.api_key = api_key if api_key is not None else settings.FUBI_SMS_API_KEY
        self.timeout = timeout if timeout is not None else settings.FUBI_SMS_TIMEOUT_SECONDS

    def send(self, message: SmsMessage) -> None:
        if not self.url.startswith(("https://", "http://")):
            raise SmsError("FUBI_SMS_GATEWAY_URL is not set to an http(s) URL")
        body = json.dumps({"to": message.to, "text": message.text, "sender": settings.FUBI_SMS_SENDER}).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.api_key}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(64 * 1024)
        except urllib.error.HTTPError as error:
            raise SmsError(f"gateway answered {error.code}") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsError(f"gateway unreachable: {error}") from error
        try:
            answer = json.loads(raw or b"{}")
        except ValueError as error:
            raise SmsError("gateway answered something that is not JSON") from error
        if not isinstance(answer, dict) or answer.get("ok") is False:
            detail = answer.get("error") if isinstance(answer, dict) else None
            raise SmsError(f"gateway refused the message: {detail or answer!r}")


def sms_backend() -> SmsBackend:
    """The configured backend (FUBI_SMS_BACKEND, a dotted path)."""
    return import_string(settings.FUBI_SMS_BACKEND)()


def sms_send(*, to: str, text: str) -> None:
    """Send one text message now. Raises SmsError."""
    sms_backend().send(SmsMessage(to=to, text=text))
