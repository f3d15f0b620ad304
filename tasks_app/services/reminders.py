"""The hour-before reminder: marked on the claim once, told to the citizen by a domain event
("task.reminder"), which engagement turns into the inbox message (and email where allowed)."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tasks_app.models import Claim, ClaimStatus, TaskStatus
from tasks_app.services.events import claim_event_publish

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
    """Remind a claimant an hour before the start, once: False when reminded already or not due.

    The claim row lock and `reminded_at` make a second (or concurrent) run publish nothing; the
    inbox's cause key (claim:<id>:reminder) would absorb a replayed event anyway.
    """
    now = now or timezone.now()
    claim = Claim.objects.select_for_update().filter(pk=claim_id).first()
    if claim is None or claim.reminded_at is not None or claim.status != ClaimStatus.CLAIMED:
        return False
    claim.reminded_at = now
    claim.save(update_fields=["reminded_at", "updated_at"])
    claim_event_publish("task.reminder", claim=claim)
    return True
