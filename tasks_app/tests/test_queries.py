"""tasks_app.queries: the claim burst's two statements give what the ORM gives."""

from datetime import date

import pytest
from django.utils import timezone

from accounts.models import Role
from core.tests.rowcheck import row_values
from tasks_app import services
from tasks_app.models import Claim, ClaimStatus, ClaimTally, Task
from tasks_app.queries import CLAIM_FIELDS, claim_tally_add, task_for_claim


@pytest.mark.django_db
def test_task_for_claim_is_the_orms_task_and_live_claim(make_task, citizen) -> None:
    citizen.roles = [Role.CITIZEN]
    citizen.save(update_fields=["roles"])
    task = make_task()
    found, holds = task_for_claim(task_id=task.pk, user_id=citizen.pk)
    assert row_values(found, CLAIM_FIELDS) == row_values(Task.objects.get(pk=task.pk), CLAIM_FIELDS)
    assert found.get_deferred_fields() >= {"description", "address"}
    assert holds is False
    # a live claim is seen as the ORM sees it; a cancelled one is not live
    claim = services.claim_create(task=found, user=citizen)
    assert task_for_claim(task_id=task.pk, user_id=citizen.pk)[1] is True
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.CANCELLED)
    live = Claim.objects.filter(task=task, user=citizen).exclude(status=ClaimStatus.CANCELLED).exists()
    assert task_for_claim(task_id=task.pk, user_id=citizen.pk)[1] is live is False
    # a visitor holds nothing; a draft or an unknown task is not found
    assert task_for_claim(task_id=task.pk, user_id=None)[1] is False
    draft = make_task(publish=False)
    assert task_for_claim(task_id=draft.pk, user_id=citizen.pk) is None
    assert task_for_claim(task_id=task.pk + 1000, user_id=citizen.pk) is None


@pytest.mark.django_db
def test_claim_tally_add_counts_up_to_the_limit_as_the_orm_then_reads(citizen) -> None:
    day, now = date(2026, 5, 4), timezone.now()
    # when three places are counted against a limit of 2
    counts = [claim_tally_add(user_id=citizen.pk, day=day, limit=2, now=now) for _ in range(3)]
    # then the first two are counted and the third refused, and the ORM reads the same row
    assert counts == [1, 2, None]
    tally = ClaimTally.objects.get(user=citizen, day=day)
    assert (tally.claims, tally.created_at, tally.updated_at) == (2, now, now)
    # another day counts apart
    assert claim_tally_add(user_id=citizen.pk, day=date(2026, 5, 5), limit=2, now=now) == 1
