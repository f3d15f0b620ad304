"""Celery jobs of the tips app: each fetches by id and calls a service; each is safe to run twice."""

from celery import shared_task

from tips import services


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def make_photo_thumbnail_task(photo_id: int) -> bool:
    """Make one photo's thumbnail; a no-op when it exists already."""
    return services.photo_thumbnail_make(photo_id=photo_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=5, max_retries=5)
def sos_alert_task(tip_id: int) -> int:
    """Alert an SOS to its grid's staff (once per tip): inbox and email, through engagement."""
    return services.sos_alert_send(tip_id=tip_id)


@shared_task
def escalate_overdue_cases_task() -> int:
    """Beat, every minute: escalate cases past their SLA clocks to the parent grid's staff."""
    return services.case_escalate_overdue()


@shared_task
def delete_orphan_photos_task() -> int:
    """Beat, hourly: remove photo files whose rows were never committed."""
    return services.photo_orphans_delete()
