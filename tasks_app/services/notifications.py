"""Notifications to citizens: one row per cause (so jobs may run twice), email after commit."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import User
from tasks_app.models import Claim, ClaimStatus, Notification, NotificationKind, TaskStatus


def notification_send(*, user: User, kind: str, cause: str, title: str, body: str = "", url: str = "") -> bool:
    """Store a notification once per cause and email it after commit; False when it already exists."""
    try:
        with transaction.atomic():
            note = Notification.objects.create(user=user, kind=kind, cause=cause, title=title, body=body, url=url)
    except IntegrityError:
        return False
    transaction.on_commit(lambda: _email(note.pk))
    return True


def _email(notification_id: int) -> None:
    note = Notification.objects.select_related("user").filter(pk=notification_id, emailed_at__isnull=True).first()
    if note is None or not note.user.email:
        return
    send_mail(note.title, f"{note.body}\n\n{note.url}".strip(), settings.DEFAULT_FROM_EMAIL, [note.user.email])
    Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())


REMIND_BEFORE = timedelta(hours=1)


def claims_due_reminder(*, now: datetime) -> list[int]:
    """Ids of claims whose task starts within the hour and whose claimant was not reminded yet."""
    return list(
        Claim.objects.filter(
            status=ClaimStatus.CLAIMED,
            reminded_at__isnull=True,
            task__status=TaskStatus.OPEN,
            task__starts_at__gt=now,
            task__starts_at__lte=now + REMIND_BEFORE,
        ).values_list("id", flat=True)
    )


@transaction.atomic
def claim_remind(*, claim_id: int, now: datetime | None = None) -> bool:
    """Remind a claimant an hour before the start (a notification row and an email), once."""
    now = now or timezone.now()
    claim = Claim.objects.select_for_update().select_related("task", "user").filter(pk=claim_id).first()
    if claim is None or claim.reminded_at is not None or claim.status != ClaimStatus.CLAIMED:
        return False
    task = claim.task
    with translation.override(claim.user.preferred_language):
        title = gettext("Reminder: %(title)s starts at %(time)s") % {
            "title": task.title,
            "time": timezone.localtime(task.starts_at).strftime("%H:%M"),
        }
        body = gettext("Meet at %(address)s. Check in on site with your phone.") % {"address": task.address}
    sent = notification_send(
        user=claim.user,
        kind=NotificationKind.REMINDER,
        cause=f"claim:{claim.id}:reminder",
        title=title,
        body=body,
        url=f"/tasks/{task.id}/onsite/",
    )
    claim.reminded_at = now
    claim.save(update_fields=["reminded_at", "updated_at"])
    return sent
