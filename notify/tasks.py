"""Celery jobs of notify: deliver one inbox message to push and SMS (safe to run twice)."""

from typing import Any

from celery import shared_task

from notify import services


@shared_task(
    autoretry_for=(Exception,),  # a push service or SMS gateway that is down: later, with backoff
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def notification_deliver_task(**kwargs: Any) -> dict[str, int]:
    """Push and text one notification as its user chose; what went through is not sent again."""
    return services.notification_deliver(**kwargs)
