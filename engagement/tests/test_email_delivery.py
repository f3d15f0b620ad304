"""Emails of inbox messages go out at least once: marked emailed only after the send succeeded,
tried again with backoff when the mail server fails, never sent twice by a repeated job, and every
attempt carries the same Message-ID."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import override_settings
from django.utils import timezone

from core.models import OutboxMessage
from core.outbox import outbox_relay_batch
from engagement import services
from engagement.errors import NotificationEmailBusyError
from engagement.models import Notification, NotificationKind
from engagement.tasks import notification_email_task

pytestmark = pytest.mark.django_db


class MailServerDownBackend(EmailBackend):
    """The local mail backend, refusing while `down` is set (a mail server that is down)."""

    down = False

    def send_messages(self, messages):
        if MailServerDownBackend.down:
            raise ConnectionRefusedError("the mail server is down")
        return super().send_messages(messages)


@pytest.fixture
def mail_server():
    MailServerDownBackend.down = False
    with override_settings(EMAIL_BACKEND=f"{__name__}.MailServerDownBackend"):
        yield MailServerDownBackend
    MailServerDownBackend.down = False


def sos_alert(user, django_capture_on_commit_callbacks) -> Notification:
    with django_capture_on_commit_callbacks(execute=True):
        return services.notification_send(
            user=user, kind=NotificationKind.CASE_SOS, cause=f"sos:test:{user.pk}", title="SOS", always_email=True
        )


def test_an_email_the_mail_server_refused_is_not_marked_and_goes_out_later(
    make_user, mail_server, django_capture_on_commit_callbacks
) -> None:
    # given a staff alert whose email meets a mail server that is down
    staff = make_user(email="staff-on-duty@example.com")
    mail_server.down = True
    notification = sos_alert(staff, django_capture_on_commit_callbacks)
    # then it is not marked emailed, and its job waits to be tried again
    notification.refresh_from_db()
    assert notification.emailed_at is None
    assert notification.email_claimed_until is None
    job = OutboxMessage.objects.get(key=f"engagement.email:{notification.pk}")
    assert (job.sent_at, job.attempts) == (None, 1)
    assert mail.outbox == []
    # when the server is back and the job is due, then the email goes out, once
    mail_server.down = False
    OutboxMessage.objects.filter(pk=job.pk).update(available_at=timezone.now())
    assert outbox_relay_batch(execute=True) == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert [m.to for m in mail.outbox] == [["staff-on-duty@example.com"]]


def test_a_repeated_job_after_the_send_sends_nothing(make_user, mail_server) -> None:
    notification = Notification.objects.create(user=make_user(), kind=NotificationKind.CASE_SOS, cause="c1", title="t")
    assert services.notification_email(notification_id=notification.pk) is True
    assert services.notification_email(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


def test_a_second_delivery_while_the_first_is_sending_waits_instead_of_sending(make_user, mail_server) -> None:
    notification = Notification.objects.create(
        user=make_user(),
        kind=NotificationKind.CASE_SOS,
        cause="c2",
        title="t",
        email_claimed_until=timezone.now() + timedelta(minutes=4),
    )
    with pytest.raises(NotificationEmailBusyError):
        services.notification_email(notification_id=notification.pk)
    assert mail.outbox == []


def test_a_claim_left_by_a_worker_that_died_expires(make_user, mail_server) -> None:
    notification = Notification.objects.create(
        user=make_user(),
        kind=NotificationKind.CASE_SOS,
        cause="c3",
        title="t",
        email_claimed_until=timezone.now() - timedelta(seconds=1),
    )
    assert services.notification_email(notification_id=notification.pk) is True
    assert len(mail.outbox) == 1


def test_every_attempt_carries_the_same_message_id(make_user, mail_server) -> None:
    notification = Notification.objects.create(user=make_user(), kind=NotificationKind.CASE_SOS, cause="c4", title="t")
    services.notification_email(notification_id=notification.pk)
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<notification.{notification.pk}@fubi.example>"


def test_the_email_job_retries_with_backoff() -> None:
    assert notification_email_task.autoretry_for == (Exception,)
    assert (notification_email_task.retry_backoff, notification_email_task.retry_backoff_max) == (10, 600)
    assert notification_email_task.max_retries == 12
