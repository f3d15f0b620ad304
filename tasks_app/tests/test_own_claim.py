"""Staff paying themselves through claims (issue 13, hole 1): a citizen with a completed claim who then
becomes staff of the task's agency cannot approve (or reject) that claim; a colleague can."""

import pytest
from django.test import Client

from accounts.services import agency_membership_add
from tasks_app import services
from tasks_app.models import ClaimStatus
from tasks_app.tasks import claims_auto_approve_task
from tasks_app.tests.conftest import wallet_balance
from tasks_app.tests.test_claims import check_in_and_out

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_claim(agency, make_task, citizen):
    """A completed claim of a citizen who has since joined the task's agency as staff."""
    claim = services.claim_create(task=make_task(points=100), user=citizen)
    check_in_and_out(claim)
    agency_membership_add(user=citizen, agency=agency)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COMPLETED
    return claim


def test_agency_staff_cannot_approve_their_own_claim(api_as, own_claim, citizen) -> None:
    # when the claimant, now agency staff, approves their own claim
    response = api_as(citizen).post(f"/claims/{own_claim.id}/approve")
    # then 403 own_claim and not a point is paid
    assert (response.status_code, response.json()["code"]) == (403, "own_claim")
    assert wallet_balance(citizen) == 0
    own_claim.refresh_from_db()
    assert own_claim.status == ClaimStatus.COMPLETED


def test_agency_staff_cannot_reject_their_own_claim(api_as, own_claim, citizen) -> None:
    # when the claimant, now agency staff, rejects their own claim
    response = api_as(citizen).post(f"/claims/{own_claim.id}/reject", {"reason": "mine"})
    # then 403 own_claim and the claim is unchanged
    assert (response.status_code, response.json()["code"]) == (403, "own_claim")
    own_claim.refresh_from_db()
    assert own_claim.status == ClaimStatus.COMPLETED


def test_a_colleague_approves_the_staff_members_claim(api_as, own_claim, citizen, staff) -> None:
    # when another staff member of the agency approves it
    response = api_as(staff).post(f"/claims/{own_claim.id}/approve")
    # then it is paid, once
    assert (response.status_code, response.json()["status"]) == (200, "paid")
    assert wallet_balance(citizen) == 100


def test_the_staff_page_offers_no_decision_on_ones_own_claim_and_refuses_the_form(own_claim, citizen) -> None:
    # given the claimant on their agency's task page
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(citizen)
    page = client.get(f"/staff/tasks/{own_claim.task_id}/").content.decode()
    assert 'data-testid="own-claim"' in page
    assert 'data-testid="approve-button"' not in page
    # when they post the approve form anyway
    response = client.post(f"/staff/claims/{own_claim.id}/approve/", follow=True)
    # then the refusal is shown and nothing is paid
    assert "This is your own claim" in response.content.decode()
    assert wallet_balance(citizen) == 0


def test_a_staff_members_own_claim_is_never_paid_automatically(settings, agency, make_task, citizen) -> None:
    # given an auto-approving task, a claimant with no new-account hold, who then joins the agency
    settings.FUBI_NEW_ACCOUNT_MANUAL_CLAIMS = 0
    claim = services.claim_create(task=make_task(points=100, auto_approve=True), user=citizen)
    agency_membership_add(user=citizen, agency=agency)
    # when they check out, and the auto-approval sweeper runs
    check_in_and_out(claim)
    claims_auto_approve_task()
    # then the claim waits for a colleague, unpaid
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COMPLETED
    assert wallet_balance(citizen) == 0
