"""Claims and escrow through the services: places, cancels, approval, rejection, no-shows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from ledger.errors import InsufficientFundsError
from tasks_app import services
from tasks_app.errors import (
    AlreadyClaimedError,
    ClaimNotCancellableError,
    ClaimNotCompletedError,
    TaskFullError,
    TaskNotOpenError,
)
from tasks_app.models import ClaimStatus, TaskStatus
from tasks_app.tests.conftest import SITE, assert_escrow_exact, budget_available, escrow_balance, wallet_balance

pytestmark = pytest.mark.django_db


def check_in_and_out(claim, minutes_on_site: int = 0) -> None:
    now = timezone.now()
    services.checkin_record(
        claim=claim,
        kind="in",
        lat=SITE[0],
        lon=SITE[1],
        accuracy_m=10,
        recorded_at=now - timedelta(minutes=minutes_on_site),
        now=now - timedelta(minutes=minutes_on_site),
    )
    services.checkin_record(claim=claim, kind="out", lat=SITE[0], lon=SITE[1], accuracy_m=10, recorded_at=now, now=now)


def test_publishing_escrows_headcount_times_points(agency, make_task) -> None:
    # given a funded agency
    before = budget_available(agency)
    # when it publishes a task for 5 people at 100 points
    task = make_task(headcount=5, points=100)
    # then 500 points moved from its budget to its escrow
    assert task.status == TaskStatus.OPEN
    assert budget_available(agency) == before - 500
    assert escrow_balance(agency) == 500
    assert_escrow_exact(agency)


def test_publishing_twice_escrows_once(agency, make_task, staff) -> None:
    task = make_task(headcount=3, points=10)
    services.task_publish(task=task, user=staff)
    assert escrow_balance(agency) == 30


def test_publishing_without_budget_is_refused_and_leaves_a_draft(agency, make_task) -> None:
    # given a task costing more than the budget
    task = make_task(publish=False, headcount=1000, points=100_000)
    # when it is published, then insufficient funds and nothing changed
    with pytest.raises(InsufficientFundsError):
        services.task_publish(task=task)
    task.refresh_from_db()
    assert task.status == TaskStatus.DRAFT
    assert task.escrow_points == 0
    assert escrow_balance(agency) == 0


def test_claim_takes_a_place_and_the_last_place_only_once(make_task) -> None:
    task = make_task(headcount=1)
    first, second = UserFactory(), UserFactory()
    claim = services.claim_create(task=task, user=first)
    assert claim.status == ClaimStatus.CLAIMED
    with pytest.raises(TaskFullError):
        services.claim_create(task=task, user=second)
    task.refresh_from_db()
    assert task.slots_taken == 1
    assert task.slots_left == 0


def test_one_citizen_cannot_hold_two_places(make_task, citizen) -> None:
    task = make_task(headcount=5)
    services.claim_create(task=task, user=citizen)
    with pytest.raises(AlreadyClaimedError):
        services.claim_create(task=task, user=citizen)
    task.refresh_from_db()
    assert task.slots_taken == 1


def test_draft_and_cancelled_tasks_take_no_claims(make_task, citizen, staff) -> None:
    draft = make_task(publish=False)
    with pytest.raises(TaskNotOpenError):
        services.claim_create(task=draft, user=citizen)
    task = make_task()
    services.task_cancel(task=task, user=staff)
    with pytest.raises(TaskNotOpenError):
        services.claim_create(task=task, user=citizen)


def test_cancelled_claim_frees_the_place_and_keeps_escrow(agency, make_task, citizen) -> None:
    # given a task that starts later, fully claimed
    start = timezone.now() + timedelta(hours=3)
    task = make_task(headcount=1, starts_at=start, ends_at=start + timedelta(hours=2))
    claim = services.claim_create(task=task, user=citizen)
    # when the citizen cancels before the start
    services.claim_cancel(claim=claim, user=citizen)
    # then the place can be claimed again, and may even be re-claimed by the same citizen
    again = services.claim_create(task=task, user=citizen)
    assert again.pk != claim.pk
    assert escrow_balance(agency) == 100
    assert_escrow_exact(agency)


def test_claim_cannot_be_cancelled_after_the_start(make_task, citizen) -> None:
    task = make_task()  # started 10 minutes ago
    claim = services.claim_create(task=task, user=citizen)
    with pytest.raises(ClaimNotCancellableError):
        services.claim_cancel(claim=claim, user=citizen)


def test_cancelling_a_task_returns_what_is_left_and_cancels_claims(agency, make_task, citizen, staff) -> None:
    # given a 5 × 100 task with one claimant on site and one who has not come yet
    task = make_task(headcount=5, points=100)
    on_site = services.claim_create(task=task, user=citizen)
    waiting = services.claim_create(task=task, user=UserFactory())
    services.checkin_record(
        claim=on_site, kind="in", lat=SITE[0], lon=SITE[1], accuracy_m=5, recorded_at=timezone.now()
    )
    before = budget_available(agency)
    # when the agency cancels
    services.task_cancel(task=task, user=staff)
    # then 400 return, 100 stay for the person on site, the waiting claim is cancelled
    waiting.refresh_from_db()
    assert waiting.status == ClaimStatus.CANCELLED
    assert budget_available(agency) == before + 400
    assert escrow_balance(agency) == 100
    assert_escrow_exact(agency)
    # and cancelling again changes nothing
    services.task_cancel(task=task, user=staff)
    assert budget_available(agency) == before + 400


def test_approval_pays_once(agency, make_task, citizen, staff) -> None:
    # given a completed claim
    task = make_task(points=100)
    claim = services.claim_create(task=task, user=citizen)
    check_in_and_out(claim)
    # when the agency approves it three times
    for _ in range(3):
        paid = services.claim_approve(claim=claim, user=staff)
    # then the citizen got 100 points once
    assert paid.status == ClaimStatus.PAID
    assert wallet_balance(citizen) == 100
    assert escrow_balance(agency) == 400
    assert_escrow_exact(agency)


def test_only_completed_claims_are_approved(make_task, citizen, staff) -> None:
    task = make_task()
    claim = services.claim_create(task=task, user=citizen)
    with pytest.raises(ClaimNotCompletedError):
        services.claim_approve(claim=claim, user=staff)


def test_rejection_returns_the_place_escrow_to_the_agency(agency, make_task, citizen, staff) -> None:
    task = make_task(headcount=2, points=100)
    claim = services.claim_create(task=task, user=citizen)
    check_in_and_out(claim)
    before = budget_available(agency)
    rejected = services.claim_reject(claim=claim, user=staff, reason="Not seen on site")
    services.claim_reject(claim=claim, user=staff, reason="again")
    assert rejected.status == ClaimStatus.REJECTED
    assert budget_available(agency) == before + 100
    assert wallet_balance(citizen) == 0
    assert_escrow_exact(agency)


def test_auto_approve_pays_at_check_out(agency, make_task, citizen, settings) -> None:
    settings.FUBI_NEW_ACCOUNT_MANUAL_CLAIMS = 0  # an account past its first, agency-approved claims
    task = make_task(auto_approve=True, points=70)
    claim = services.claim_create(task=task, user=citizen)
    check_in_and_out(claim)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
    assert wallet_balance(citizen) == 70
    assert_escrow_exact(agency)


def test_no_show_returns_escrow_when_the_task_closes(agency, make_task, citizen) -> None:
    # given a 3-place task with one no-show claim and one paid claim
    task = make_task(headcount=3, points=100)
    no_show = services.claim_create(task=task, user=citizen)
    worker = UserFactory()
    done = services.claim_create(task=task, user=worker)
    check_in_and_out(done)
    services.claim_approve(claim=done)
    before = budget_available(agency)
    # when the window is over and the task closes (twice)
    later = task.ends_at + timedelta(minutes=1)
    services.task_close(task=task, now=later)
    services.task_close(task=task, now=later)
    # then the no-show and the unfilled place return, the escrow is empty
    no_show.refresh_from_db()
    task.refresh_from_db()
    assert no_show.status == ClaimStatus.NO_SHOW
    assert task.status == TaskStatus.CLOSED
    assert budget_available(agency) == before + 200
    assert escrow_balance(agency) == 0
    assert_escrow_exact(agency)


def test_claim_no_show_alone_is_idempotent(agency, make_task, citizen) -> None:
    task = make_task(headcount=2, points=50)
    claim = services.claim_create(task=task, user=citizen)
    later = task.ends_at + timedelta(seconds=1)
    services.claim_mark_no_show(claim=claim, now=later)
    services.claim_mark_no_show(claim=claim, now=later)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.NO_SHOW
    assert escrow_balance(agency) == 50
    assert_escrow_exact(agency)
