"""Races on PostgreSQL with real threads: places are never oversold and escrow stays exact."""

import random
import threading
from collections import Counter

import pytest

from accounts.tests.factories import UserFactory
from tasks_app import services
from tasks_app.models import Claim, ClaimStatus, Task
from tasks_app.tests.conftest import assert_escrow_exact, escrow_balance, race_outcomes
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_hundred_citizens_race_for_five_places(make_task) -> None:
    # given an open task with 5 places and 200 citizens
    task = make_task(headcount=5)
    users = UserFactory.create_batch(200)
    # when all of them claim at once
    outcomes = race_outcomes([lambda user=user: services.claim_create(task=task, user=user) for user in users])
    # then exactly 5 won, every other one heard task_full, and the counter agrees with the rows
    counts = Counter(outcomes)
    assert counts == {"ok": 5, "task_full": 195}
    task.refresh_from_db()
    assert task.slots_taken == 5
    assert Claim.objects.filter(task=task).exclude(status=ClaimStatus.CANCELLED).count() == 5


def test_one_citizen_racing_himself_holds_one_place(make_task, citizen) -> None:
    task = make_task(headcount=5)
    outcomes = race_outcomes([lambda: services.claim_create(task=task, user=citizen) for _ in range(30)], threads=15)
    assert Counter(outcomes) == {"ok": 1, "already_claimed": 29}
    task.refresh_from_db()
    assert task.slots_taken == 1
    assert Claim.objects.filter(task=task, user=citizen).count() == 1


def test_claims_cancels_and_publishing_racing_keep_escrow_exact(agency, staff, make_task) -> None:
    # given open tasks that start later (so claims can be cancelled), drafts about to be
    # published, and citizens; some tasks get cancelled while people claim and cancel
    rng = random.Random(7)
    open_tasks = [make_task(headcount=4, points=30 + i, **_later()) for i in range(4)]
    drafts = [make_task(publish=False, headcount=3, points=20 + i, **_later()) for i in range(3)]
    users = UserFactory.create_batch(40)
    jobs = []
    for user in users:
        task = rng.choice(open_tasks + drafts)
        jobs.append(lambda task=task, user=user: services.claim_create(task=task, user=user))
        jobs.append(lambda task=task, user=user: _cancel_claim_of(task, user))
    for draft in drafts:
        jobs += [lambda draft=draft: services.task_publish(task=draft, user=staff)] * 3
    jobs.append(lambda: services.task_cancel(task=open_tasks[0], user=staff))
    jobs.append(lambda: services.task_cancel(task=drafts[0], user=staff))
    rng.shuffle(jobs)
    # when everything runs at once
    outcomes = race_outcomes(jobs)
    # then no unexpected error happened and the escrow equals exactly the points still promised
    assert set(outcomes) <= {"ok", "task_full", "task_not_open", "claim_not_cancellable", "task_not_draft"}
    assert_escrow_exact(agency)
    for task in Task.objects.filter(agency=agency):
        live = Claim.objects.filter(task=task).exclude(status=ClaimStatus.CANCELLED).count()
        assert task.slots_taken == live <= task.headcount
    assert escrow_balance(agency) > 0


def _later() -> dict:
    from datetime import timedelta

    from django.utils import timezone

    start = timezone.now() + timedelta(hours=1)
    return {"starts_at": start, "ends_at": start + timedelta(hours=2)}


def _cancel_claim_of(task: Task, user) -> None:
    claim = Claim.objects.filter(task=task, user=user, status=ClaimStatus.CLAIMED).first()
    if claim is not None:
        services.claim_cancel(claim=claim, user=user)


def test_racing_approvals_pay_once(agency, make_task, citizen, staff) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from tasks_app.tests.conftest import SITE, wallet_balance

    task = make_task(points=100)
    claim = services.claim_create(task=task, user=citizen)
    now = timezone.now()
    services.checkin_record(claim=claim, kind="in", lat=SITE[0], lon=SITE[1], accuracy_m=5, recorded_at=now)
    services.checkin_record(
        claim=claim, kind="out", lat=SITE[0], lon=SITE[1], accuracy_m=5, recorded_at=now + timedelta(seconds=1)
    )
    outcomes = race_outcomes([lambda: services.claim_approve(claim=claim, user=staff) for _ in range(20)], threads=10)
    assert Counter(outcomes) == {"ok": 20}
    assert wallet_balance(citizen) == 100
    assert_escrow_exact(agency)


def test_one_citizen_claiming_many_tasks_at_once_stays_within_the_daily_limit(make_task, citizen, settings) -> None:
    # given a limit of 3 places a day and 12 open tasks
    settings.FUBI_MAX_CLAIMS_PER_DAY = 3
    open_tasks = [make_task() for _ in range(12)]
    # when one citizen claims all of them at once
    outcomes = race_outcomes([lambda task=task: services.claim_create(task=task, user=citizen) for task in open_tasks])
    # then exactly 3 went through, the rest heard rate_limited, and no place was taken for them
    assert Counter(outcomes) == {"ok": 3, "rate_limited": 9}
    assert Claim.objects.filter(user=citizen).count() == 3
    assert sum(Task.objects.filter(pk__in=[t.pk for t in open_tasks]).values_list("slots_taken", flat=True)) == 3


def test_a_fix_judged_while_the_other_tasks_fix_is_uncommitted_waits_for_it(make_task, citizen, settings) -> None:
    import time

    from django.db import transaction
    from django.utils import timezone

    from tasks_app.models import CheckIn
    from tasks_app.tests.conftest import SITE

    settings.FUBI_NEW_ACCOUNT_MANUAL_CLAIMS = 0
    # given one account holding places on two auto-approving tasks 20 km apart
    far = (SITE[0] + 0.18, SITE[1])
    claim_here = services.claim_create(task=make_task(auto_approve=True), user=citizen)
    claim_there = services.claim_create(task=make_task(auto_approve=True, lat=far[0], lon=far[1]), user=citizen)
    first_recorded = threading.Event()

    def check_in(claim, at) -> None:
        now = timezone.now()
        services.checkin_record(claim=claim, kind="in", lat=at[0], lon=at[1], accuracy_m=10, recorded_at=now, now=now)

    def slow_first() -> None:
        with transaction.atomic():  # a request whose transaction commits only at its end
            check_in(claim_here, SITE)
            first_recorded.set()
            time.sleep(1)

    def second() -> None:
        assert first_recorded.wait(timeout=30)
        check_in(claim_there, far)

    # when the second check-in is judged while the first is not committed yet
    race([slow_first, second])
    # then it waited for the first and saw it: flagged, and both claims are held
    assert CheckIn.objects.get(claim=claim_there).flags == ["overlapping_claims", "impossible_travel"]
    assert CheckIn.objects.get(claim=claim_here).flags == ["overlapping_claims", "impossible_travel"]
    assert services.claim_is_suspicious(claim=claim_here) is True
    assert services.claim_is_suspicious(claim=claim_there) is True
