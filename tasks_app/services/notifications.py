"""Notifications to citizens: one row per cause (so jobs may run twice), email after commit."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from tasks_app.models import Notification


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
