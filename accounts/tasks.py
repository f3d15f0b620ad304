"""Celery jobs of the accounts app."""

import logging

from celery import shared_task

from accounts import sms

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=15)
def sms_send_task(self, to: str, text: str) -> bool:
    """Send one text message (a verification code), retried a few times when the gateway fails.

    Sending twice is harmless (the same code); a message that still fails is logged as an error and
    the citizen asks for a new code once the resend wait is over.
    """
    try:
        sms.sms_send(to=to, text=text)
    except sms.SmsError as error:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            logger.error("SMS to %s…: not sent: %s", to[:-4], error)
            return False
        raise self.retry(exc=error) from error
    return True
