"""Celery jobs of engagement. Safe to run twice: awards and notices are unique per cause."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from engagement import selectors, services


@shared_task(
    autoretry_for=(Exception,),  # a mail server that is down or refuses: try again later
    retry_backoff=10,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=12,  # about two hours; then it is logged as failed (the inbox still has the message)
)
def notification_email_task(notification_id: int) -> bool:
    """Email one inbox message, at least once; a run after it was sent sends nothing."""
    return services.notification_email(notification_id=notification_id)


@shared_task
def engagement_refresh_recent_task(days: int = 8) -> int:
    """Re-evaluate badges, levels and home communities of citizens active in the last `days` days
    (every night), so awards never depend on an event having been delivered; returns how many."""
    users = selectors.users_active_since(since=timezone.now() - timedelta(days=days))
    for user in users:
        services.engagement_refresh(user=user)
    return len(users)
