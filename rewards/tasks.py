"""Celery jobs of the reward shop; each is safe to run twice (acks_late redelivers)."""

from celery import shared_task

from rewards import services


@shared_task
def expire_redemptions_task() -> int:
    """Expire reserved orders past their pickup deadline: points and stock come back."""
    return services.redemptions_expire()
