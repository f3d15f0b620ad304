"""engagement.queries.notification_insert: the inbox message and its email job are what the ORM reads."""

import pytest
from django.utils import timezone

from core.models import OutboxMessage
from core.tests.rowcheck import row_values
from engagement.models import EngagementProfile, Notification, NotificationKind
from engagement.queries import EMAIL_TASK, notification_insert


def _insert(user, cause: str, *, always_email: bool = False, now=None):
    return notification_insert(
        user=user,
        kind=NotificationKind.CLAIM_APPROVED,
        cause=cause,
        title="Your claim was approved",
        body="100 FZB are in your wallet.",
        link="/wallet/",
        message="claim.approved",
        params={"points": 100},
        always_email=always_email,
        now=now or timezone.now(),
    )


@pytest.mark.django_db
def test_the_message_is_the_row_the_orm_reads_and_a_replay_writes_nothing(make_user) -> None:
    user = make_user()
    notification, email_key = _insert(user, "claim:1:approved")
    assert notification._state.adding is False
    assert row_values(notification) == row_values(Notification.objects.get(pk=notification.pk))
    assert notification.params == {"points": 100}
    # not opted in to email: no email job
    assert email_key is None
    assert OutboxMessage.objects.filter(key=f"engagement.email:{notification.pk}").exists() is False
    # the same cause again: nothing
    assert _insert(user, "claim:1:approved") is None
    assert Notification.objects.filter(cause="claim:1:approved").count() == 1


@pytest.mark.django_db
def test_the_email_job_is_recorded_when_the_citizen_opted_in_or_always(make_user) -> None:
    opted_in, staff, no_address = make_user(), make_user(), make_user(email="")
    EngagementProfile.objects.create(user=opted_in, email_opt_in=True)
    now = timezone.now()
    notification, email_key = _insert(opted_in, "claim:2:approved", now=now)
    job = OutboxMessage.objects.get(key=email_key)
    assert (job.key, job.task, job.args, job.kwargs, job.available_at, job.attempts, job.sent_at) == (
        f"engagement.email:{notification.pk}",
        EMAIL_TASK,
        [notification.pk],
        {},
        now,
        0,
        None,
    )
    assert _insert(staff, "sos:1:staff", always_email=True)[1] == f"engagement.email:{staff.engagement_inbox.get().pk}"
    # never without an address
    assert _insert(no_address, "sos:2:staff", always_email=True)[1] is None
