"""Celery jobs of the tips app: each fetches by id and calls a service; each is safe to run twice."""

from celery import shared_task

from accounts.models import User
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
    """Beat, every minute: escalate cases past their SLA clocks to the parent grid's staff, and cases
    whose department did not report back in time to the grid centre's staff."""
    from tips.department import department_escalate_overdue

    return services.case_escalate_overdue() + department_escalate_overdue()


@shared_task
def delete_orphan_photos_task() -> int:
    """Beat, hourly: remove photo files whose rows were never committed."""
    return services.photo_orphans_delete()


@shared_task(acks_late=True)
def tip_rewards_pay_held_task(user_id: int) -> int:
    """The reporter's phone is verified: take the door-plate guests' tips made with that number,
    then pay their tip rewards that waited for it."""
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        services.guest_tips_adopt(user=user)
    return services.tip_rewards_pay_held(user_id=user_id)


@shared_task(acks_late=True)
def place_code_sheet_make_task(sheet_id: int) -> bool:
    """Draw a grid's printable sheet of door plates (PDF), storing its progress as it goes."""
    return services.place_code_sheet_make(sheet_id=sheet_id)
