"""Celery jobs of engagement. Safe to run twice: awards and notices are unique per cause."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from engagement import selectors, services


@shared_task
def notification_email_task(notification_id: int) -> bool:
    """Email one inbox message; a second run finds it emailed and sends nothing."""
    return services.notification_email(notification_id=notification_id)


@shared_task
def engagement_refresh_recent_task(days: int = 8) -> int:
    """Re-evaluate badges, levels and home communities of citizens active in the last `days` days
    (every night), so awards never depend on an event having been delivered; returns how many."""
    users = selectors.users_active_since(since=timezone.now() - timedelta(days=days))
    for user in users:
        services.engagement_refresh(user=user)
    return len(users)
