"""Celery jobs of the quizzes; each is safe to run twice."""

from celery import shared_task

from quizzes import services


@shared_task(acks_late=True)
def attempts_close_expired_task() -> int:
    """Beat, every minute: score attempts left open past their time (what was answered in time)."""
    return services.attempts_close_expired()
