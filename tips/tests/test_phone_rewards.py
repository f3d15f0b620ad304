"""Tip rewards wait for a verified phone when FUBI_REQUIRE_VERIFIED_PHONE is on (issue 13, hole 9):
the tip is verified with its reward decided, and the reward is paid by itself once the reporter
verifies their phone. Anyone may still report without verifying."""

import pytest

from accounts import sms
from accounts.tests.phone import verify_phone
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.models import Transaction
from ledger.reconciliation import reconciliation_report
from tips.tests.test_anonymous_reward import new_tip, verified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def phone_required(settings):
    settings.FUBI_REQUIRE_VERIFIED_PHONE = True
    sms.outbox.clear()


def balance(user) -> int:
    return ledger_selectors.account_balance(ledger_services.citizen_account(user))["balance"]


def test_an_unverified_citizen_may_still_report(world, submit) -> None:
    response = submit(world["citizen"])
    assert (response.status_code, response.json()["status"]) == (201, "submitted")


def test_a_verified_tips_reward_waits_for_the_reporters_phone(
    world, api_as, django_capture_on_commit_callbacks
) -> None:
    # given a named tip of a reporter without a verified phone, verified by staff
    tip = verified(world, api_as, new_tip(world, anonymous=False))
    # then it is verified with its reward decided, but nothing is paid yet
    assert (tip.status, tip.reward_points, tip.reward_paid_at) == ("verified", 50, None)
    assert balance(world["citizen"]) == 0
    mine = api_as(world["citizen"]).get(f"/tips/{tip.id}").json()
    assert (mine["status"], mine["reward_paid"]) == ("verified", False)
    assert reconciliation_report()["ok"] is True
    # when the reporter verifies their phone
    verify_phone(world["citizen"], django_capture_on_commit_callbacks)
    # then the reward is paid by itself, once
    tip.refresh_from_db()
    assert tip.reward_paid_at is not None
    assert balance(world["citizen"]) == 50
    assert reconciliation_report()["ok"] is True


def test_an_anonymous_reward_that_waited_is_paid_under_an_opaque_reference(
    world, api_as, django_capture_on_commit_callbacks
) -> None:
    tip = verified(world, api_as, new_tip(world, anonymous=True))
    assert balance(world["citizen"]) == 0
    verify_phone(world["citizen"], django_capture_on_commit_callbacks)
    tip.refresh_from_db()
    tx = Transaction.objects.get(pk=tip.reward_transaction_id)
    assert tx.ref_type == "tips.anonymous_reward"
    assert balance(world["citizen"]) == 50


def test_a_duplicates_reward_waits_for_its_reporters_phone(world, api_as, django_capture_on_commit_callbacks) -> None:
    # given a primary verified for a verified reporter, and a duplicate of an unverified one merged with a reward
    verify_phone(world["citizen"], django_capture_on_commit_callbacks)
    primary = verified(world, api_as, new_tip(world, anonymous=False))
    duplicate = new_tip(world, reporter=world["citizen2"], anonymous=False)
    api = api_as(world["district_staff"])
    body = {"action": "mark_duplicate", "duplicate_of": primary.id, "reward_points": 20}
    assert api.post(f"/cases/{duplicate.id}/transition", body).status_code == 200
    # then the primary's reporter is paid, the duplicate's waits
    assert (balance(world["citizen"]), balance(world["citizen2"])) == (50, 0)
    # and is paid when they verify their phone
    verify_phone(world["citizen2"], django_capture_on_commit_callbacks, phone="+8613900139001")
    assert balance(world["citizen2"]) == 20
    assert reconciliation_report()["ok"] is True
