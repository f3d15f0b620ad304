"""Celery jobs of the community app: each fetches by id and calls a service; each is safe to run twice."""

from celery import shared_task

from community import services


@shared_task
def requests_escalate_task() -> int:
    """Beat, every minute: escalate unanswered requests to the duty desk, then to the station's lead."""
    return services.request_escalate_overdue()


@shared_task(acks_late=True)
def broadcast_fan_out_task(broadcast_id: int) -> int:
    """Fan a broadcast out to its groups' members (pinned posts, deliveries, inbox messages, live)."""
    return services.broadcast_fan_out(broadcast_id=broadcast_id)
