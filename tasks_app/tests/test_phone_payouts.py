"""Claim payouts wait for a verified phone when FUBI_REQUIRE_VERIFIED_PHONE is on (issue 13, hole 9):
the agency's approval is recorded, the points stay in escrow, and they are paid by themselves once
the citizen verifies their phone."""

import pytest

from accounts import sms
from accounts.tests.phone import verify_phone
from ledger.reconciliation import reconciliation_report
from tasks_app import services
from tasks_app.models import Claim, ClaimStatus
from tasks_app.tasks import claims_auto_approve_task
from tasks_app.tests.conftest import assert_escrow_exact, escrow_balance, wallet_balance
from tasks_app.tests.test_claims import check_in_and_out

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def phone_required(settings):
    settings.FUBI_REQUIRE_VERIFIED_PHONE = True
    sms.outbox.clear()


def test_an_approved_claim_of_an_unverified_citizen_waits_for_the_phone(
    agency, make_task, citizen, staff, api_as, django_capture_on_commit_callbacks
) -> None:
    # given a completed claim of a citizen whose phone is not verified
    task = make_task(points=100, headcount=5)
    claim = services.claim_create(task=task, user=citizen)
    check_in_and_out(claim)
    # when the agency approves it
    response = api_as(staff).post(f"/claims/{claim.id}/approve")
    # then the approval is recorded but nothing is paid: the points stay in escrow
    assert (response.status_code, response.json()["status"]) == (200, "completed")
    claim.refresh_from_db()
    assert (claim.status, claim.decided_by, claim.decided_at is not None) == (ClaimStatus.COMPLETED, staff, True)
    assert wallet_balance(citizen) == 0
    assert escrow_balance(agency) == 500
    assert_escrow_exact(agency)
    # when the citizen verifies their phone
    verify_phone(citizen, django_capture_on_commit_callbacks)
    # then the claim is paid by itself, once, from escrow
    claim.refresh_from_db()
    assert (claim.status, claim.points_paid) == (ClaimStatus.PAID, 100)
    assert wallet_balance(citizen) == 100
    assert escrow_balance(agency) == 400
    assert_escrow_exact(agency)
    assert reconciliation_report()["ok"] is True


def test_an_unverified_citizen_is_not_paid_at_check_out_of_an_auto_approving_task(
    agency, make_task, citizen, settings, django_capture_on_commit_callbacks
) -> None:
    # given an auto-approving task and a citizen past the new-account rule, phone unverified
    settings.FUBI_NEW_ACCOUNT_MANUAL_CLAIMS = 0
    task = make_task(auto_approve=True, points=70)
    claim = services.claim_create(task=task, user=citizen)
    # when they check out, and the sweeper runs twice
    check_in_and_out(claim)
    claims_auto_approve_task()
    claims_auto_approve_task()
    # then the claim waits, approved, and nothing is paid
    claim.refresh_from_db()
    assert (claim.status, claim.decided_at is not None, claim.decided_by) == (ClaimStatus.COMPLETED, True, None)
    assert wallet_balance(citizen) == 0
    # and verifying the phone pays it
    verify_phone(citizen, django_capture_on_commit_callbacks)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.PAID
    assert wallet_balance(citizen) == 70
    assert_escrow_exact(agency)


def test_a_citizen_with_a_verified_phone_is_paid_at_once(
    agency, make_task, citizen, staff, django_capture_on_commit_callbacks
) -> None:
    verify_phone(citizen, django_capture_on_commit_callbacks)
    task = make_task(points=100)
    claim = services.claim_create(task=task, user=citizen)
    check_in_and_out(claim)
    assert services.claim_approve(claim=claim, user=staff).status == ClaimStatus.PAID
    assert wallet_balance(citizen) == 100


def test_without_the_setting_an_unverified_citizen_is_paid(agency, make_task, citizen, staff, settings) -> None:
    settings.FUBI_REQUIRE_VERIFIED_PHONE = False
    task = make_task(points=100)
    claim = services.claim_create(task=task, user=citizen)
    check_in_and_out(claim)
    assert services.claim_approve(claim=claim, user=staff).status == ClaimStatus.PAID
    assert wallet_balance(citizen) == 100
