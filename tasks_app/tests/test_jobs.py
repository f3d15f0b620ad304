"""Celery jobs (run eagerly in-process): each does its work once, and a second run changes nothing."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import UserFactory
from ledger.models import Transaction
from tasks_app import services, tasks
from tasks_app.models import Claim, ClaimStatus, Task, TaskStatus
from tasks_app.tests.conftest import SITE, assert_escrow_exact, budget_available, escrow_balance, wallet_balance

pytestmark = pytest.mark.django_db


def end_window(task: Task) -> None:
    """Move a task's window into the past (as if time had passed)."""
    now = timezone.now()
    Task.objects.filter(pk=task.pk).update(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(minutes=1))


def test_closing_job_returns_unfilled_places_and_no_shows_once(agency, make_task, citizen) -> None:
    # given a 4 × 100 task with one claim never checked in, whose window is over
    task = make_task(headcount=4, points=100)
    claim = services.claim_create(task=task, user=citizen)
    end_window(task)
    before = budget_available(agency)
    # when the job runs twice
    assert tasks.tasks_close_finished_task.delay().get() == 1
    movements = Transaction.objects.count()
    assert tasks.tasks_close_finished_task.delay().get() == 0
    # then the task is closed, the claim a no-show, all 400 points back, nothing moved twice
    task.refresh_from_db()
    claim.refresh_from_db()
    assert task.status == TaskStatus.CLOSED
    assert claim.status == ClaimStatus.NO_SHOW
    assert budget_available(agency) == before + 400
    assert escrow_balance(agency) == 0
    assert Transaction.objects.count() == movements
    assert_escrow_exact(agency)


def test_no_show_job_handles_claims_of_ended_tasks(agency, make_task, citizen) -> None:
    task = make_task(headcount=2, points=40)
    claim = services.claim_create(task=task, user=citizen)
    end_window(task)
    assert tasks.claims_mark_no_show_task.delay().get() == 1
    assert tasks.claims_mark_no_show_task.delay().get() == 0
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.NO_SHOW
    assert escrow_balance(agency) == 40  # the unfilled place stays until the task closes
    assert_escrow_exact(agency)


def test_auto_approve_job_pays_clean_completed_claims_only(agency, make_task, citizen, settings) -> None:
    settings.FUBI_NEW_ACCOUNT_MANUAL_CLAIMS = 0  # accounts past their first, agency-approved claims
    # given an auto-approving task whose completed claims were left unpaid (e.g. by an old release)
    task = make_task(auto_approve=True, points=60, headcount=3)
    clean = services.claim_create(task=task, user=citizen)
    flagged = services.claim_create(task=task, user=UserFactory())
    now = timezone.now()
    for claim, accuracy in ((clean, 5), (flagged, 900)):
        services.checkin_record(claim=claim, kind="in", lat=SITE[0], lon=SITE[1], accuracy_m=accuracy, recorded_at=now)
    Task.objects.filter(pk=task.pk).update(auto_approve=False)
    for claim in (clean, flagged):
        services.checkin_record(claim=claim, kind="out", lat=SITE[0], lon=SITE[1], accuracy_m=5, recorded_at=now)
    Task.objects.filter(pk=task.pk).update(auto_approve=True)
    # when the sweeper runs twice
    assert tasks.claims_auto_approve_task.delay().get() == 1
    tasks.claims_auto_approve_task.delay().get()
    # then only the clean claim is paid, once
    clean.refresh_from_db()
    flagged.refresh_from_db()
    assert clean.status == ClaimStatus.PAID
    assert flagged.status == ClaimStatus.COMPLETED
    assert wallet_balance(citizen) == 60
    assert_escrow_exact(agency)


def test_reminder_job_notifies_once_an_hour_before(
    make_task, citizen, api_as, django_capture_on_commit_callbacks
) -> None:
    # given a citizen who allows email, with one task starting within the hour and one later
    me = api_as(citizen)
    assert me.patch("/engagement/profile", {"email_opt_in": True}).status_code == 200
    soon = timezone.now() + timedelta(minutes=40)
    later = timezone.now() + timedelta(hours=5)
    due = services.claim_create(task=make_task(starts_at=soon, ends_at=soon + timedelta(hours=1)), user=citizen)
    services.claim_create(task=make_task(starts_at=later, ends_at=later + timedelta(hours=1)), user=citizen)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.claims_remind_task.delay().get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.claims_remind_task.delay().get() == 0
    # then one reminder in the inbox, linking to the on-site page, and one email
    reminders = [n for n in me.get("/inbox").json()["items"] if n["kind"] == "task_reminder"]
    assert len(reminders) == 1
    assert reminders[0]["link"] == f"/tasks/{due.task_id}/onsite/"
    assert due.task.title in reminders[0]["title"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [citizen.email]
    assert Claim.objects.get(pk=due.pk).reminded_at is not None


def test_claims_never_checked_out_are_settled_after_the_grace(agency, make_task, citizen) -> None:
    # given two claimants checked in on a 30-minute task: one pinged for 40 minutes, one left at once
    task = make_task(headcount=2, points=100, min_minutes=30, starts_at=timezone.now() - timedelta(hours=1))
    stayed = services.claim_create(task=task, user=citizen)
    left = services.claim_create(task=task, user=UserFactory())
    start = timezone.now() - timedelta(minutes=45)
    for claim in (stayed, left):
        services.checkin_record(
            claim=claim, kind="in", lat=SITE[0], lon=SITE[1], accuracy_m=5, recorded_at=start, now=start
        )
    ping_at = start + timedelta(minutes=40)
    services.checkin_record(
        claim=stayed, kind="ping", lat=SITE[0], lon=SITE[1], accuracy_m=5, recorded_at=ping_at, now=ping_at
    )
    # when the window and the check-out grace are over and the job runs twice
    Task.objects.filter(pk=task.pk).update(
        starts_at=timezone.now() - timedelta(hours=5), ends_at=timezone.now() - timedelta(hours=3)
    )
    before = budget_available(agency)
    assert tasks.claims_settle_without_checkout_task.delay().get() == 2
    assert tasks.claims_settle_without_checkout_task.delay().get() == 0
    # then the one who stayed is completed (awaiting approval), the other rejected with escrow back
    stayed.refresh_from_db()
    left.refresh_from_db()
    assert stayed.status == ClaimStatus.COMPLETED
    assert left.status == ClaimStatus.REJECTED
    assert budget_available(agency) == before + 100
    assert_escrow_exact(agency)
