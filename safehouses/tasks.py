"""Celery jobs of the safe-house app; each is safe to run twice."""

from celery import shared_task

from safehouses import services


@shared_task(acks_late=True)
def roll_calls_run_task() -> dict[str, int]:
    """Beat, every minute: plan the roll calls of shifts under way, ask the due ones, mark missed ones."""
    return services.roll_calls_run()
