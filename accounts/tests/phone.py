"""Test helpers for phone verification: read the code the console SMS backend sent."""

import re

from accounts import services, sms

CODE = re.compile(r"\b(\d{6})\b")


def last_code(to: str | None = None) -> str:
    """The 6-digit code of the latest text message (to that number, when given)."""
    messages = [message for message in sms.outbox if to is None or message.to == to]
    assert messages, "no text message was sent"
    return CODE.search(messages[-1].text).group(1)


def verify_phone(user, capture, phone: str = "+8613900139000") -> None:
    """Verify the user's phone through the services, running what waits for the commits."""
    with capture(execute=True):
        services.phone_code_send(user=user, phone=phone)
    with capture(execute=True):
        services.phone_verify(user=user, code=last_code(phone))
