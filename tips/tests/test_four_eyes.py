"""Four eyes on rewards (issue 13, hole 1): a reward above the category's default is asked for by one
grid staff member and paid only when a second one approves it (or a lower amount), on the timeline."""

import pytest
from django.test import Client

from ledger.models import Transaction
from tips.models import CaseEvent, Tip, TipStatus
from tips.tests.test_cases import act, balance, new_tip

pytestmark = pytest.mark.django_db

# urban_management's default reward is 50 FZB: 2000 needs a second approval.
ASKED = 2000


def in_english(api):
    """API answers speak the request's language (Accept-Language), Chinese by default."""
    api.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return api


def verified_with_reward_asked(world, api_as, *, reporter=None, points: int = ASKED) -> Tip:
    """A tip accepted, assigned and verified by district staff, asking for `points`."""
    tip = new_tip(world, reporter=reporter)
    requester = api_as(world["district_staff"])
    act(requester, tip.id, "accept")
    act(requester, tip.id, "assign")
    response = act(requester, tip.id, "verify", reward_points=points, note="worth more than usual")
    assert response.status_code == 200
    return tip


def test_a_reward_above_the_default_is_verified_but_waits_for_a_second_approval(world, api_as) -> None:
    # given an assigned case of a category whose default reward is 50
    tip = new_tip(world)
    staff = in_english(api_as(world["district_staff"]))
    act(staff, tip.id, "accept")
    act(staff, tip.id, "assign")
    # when staff verify it asking for 2000
    response = act(staff, tip.id, "verify", reward_points=ASKED)
    # then the case is verified, the reward pending, nothing paid, and the timeline says so
    body = response.json()
    assert response.status_code == 200
    assert (body["status"], body["reward_points"], body["reward_pending"], body["reward_paid"]) == (
        "verified",
        ASKED,
        True,
        False,
    )
    assert body["reward_requested_by"]["id"] == world["district_staff"].id
    assert balance(world["citizen"]) == 0
    request = body["timeline"][-1]
    assert (request["action"], request["by"]["id"]) == ("reward_request", world["district_staff"].id)
    assert request["summary"] == "Reward of 2000 FZB awaiting a second approval"
    # and the reporter sees the verification but no amount yet
    mine = api_as(world["citizen"]).get(f"/tips/{tip.id}").json()
    assert (mine["status"], mine["reward_points"], mine["reward_paid"]) == ("verified", 0, False)
    assert "reward_request" not in [step["action"] for step in mine["timeline"]]


def test_the_requester_cannot_approve_their_own_request(world, api_as) -> None:
    # given a reward of 2000 asked for by district staff
    tip = verified_with_reward_asked(world, api_as)
    # when the same person approves it
    response = act(api_as(world["district_staff"]), tip.id, "approve_reward")
    # then 403 four_eyes_required and nothing is paid
    assert (response.status_code, response.json()["code"]) == (403, "four_eyes_required")
    assert balance(world["citizen"]) == 0
    tip.refresh_from_db()
    assert tip.reward_awaiting_approval is True


def test_a_second_staff_member_approves_and_the_reporter_is_paid_exactly_once(world, api_as) -> None:
    # given a reward of 2000 asked for by district staff
    tip = verified_with_reward_asked(world, api_as)
    approver = in_english(api_as(world["community_staff"]))
    # when a second staff member of the grid approves it, and approves again
    first = act(approver, tip.id, "approve_reward", note="agreed")
    again = act(approver, tip.id, "approve_reward")
    # then the reporter is paid 2000 once; the second approval finds nothing pending
    assert first.status_code == 200
    assert (first.json()["reward_paid"], first.json()["reward_pending"]) == (True, False)
    assert first.json()["reward_approved_by"]["id"] == world["community_staff"].id
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")
    assert balance(world["citizen"]) == ASKED
    assert Transaction.objects.filter(kind="tip_reward").count() == 1
    # and the timeline shows who asked, who approved, and the payment
    steps = [(s["action"], s["by"]["id"] if s["by"] else None) for s in first.json()["timeline"]]
    assert steps[-3:] == [
        ("reward_request", world["district_staff"].id),
        ("approve_reward", world["community_staff"].id),
        ("reward", world["community_staff"].id),
    ]
    approval = first.json()["timeline"][-2]
    assert (approval["summary"], approval["note"]) == ("Reward of 2000 FZB approved (2000 FZB asked)", "agreed")


def test_the_second_staff_member_may_lower_the_reward_but_not_raise_it(world, api_as) -> None:
    # given a reward of 2000 asked for
    tip = verified_with_reward_asked(world, api_as)
    approver = api_as(world["community_staff"])
    # when the approver raises it, then 422 and nothing is paid
    raised = act(approver, tip.id, "approve_reward", reward_points=ASKED + 1)
    assert (raised.status_code, raised.json()["details"]["field"]) == (422, "reward_points")
    assert balance(world["citizen"]) == 0
    # when the approver decides 300 instead, then 300 is paid
    lowered = act(approver, tip.id, "approve_reward", reward_points=300)
    assert (lowered.status_code, lowered.json()["reward_points"]) == (200, 300)
    assert balance(world["citizen"]) == 300


def test_the_reporter_cannot_approve_the_reward_of_their_own_tip(world, api_as) -> None:
    # given a staff member's own tip, verified by a colleague asking for 2000
    tip = verified_with_reward_asked(world, api_as, reporter=world["community_staff"])
    # when the reporter approves it
    response = act(api_as(world["community_staff"]), tip.id, "approve_reward")
    # then 403 own_tip and they are not paid
    assert (response.status_code, response.json()["code"]) == (403, "own_tip")
    assert balance(world["community_staff"]) == 0


def test_a_duplicates_reward_above_the_default_waits_for_approval_too(world, api_as) -> None:
    # given a case and a second citizen's duplicate merged with a reward of 1000 (default 50)
    primary = new_tip(world)
    duplicate = new_tip(world, reporter=world["citizen2"])
    requester, approver = api_as(world["district_staff"]), api_as(world["community_staff"])
    merged = act(requester, duplicate.id, "mark_duplicate", duplicate_of=primary.id, reward_points=1000)
    assert merged.json()["reward_pending"] is True
    # when the primary is verified, then the duplicate's reporter is still not paid
    for action in ("accept", "assign", "verify"):
        act(requester, primary.id, action)
    assert balance(world["citizen2"]) == 0
    # when the one who asked approves, then 403; when a second staff member approves, then it is paid
    assert act(requester, duplicate.id, "approve_reward").json()["code"] == "four_eyes_required"
    assert act(approver, duplicate.id, "approve_reward").status_code == 200
    assert balance(world["citizen2"]) == 1000


def test_a_duplicates_reward_approved_early_is_paid_when_the_primary_is_verified(world, api_as) -> None:
    # given a duplicate's reward of 1000, approved while its primary is still open
    primary = new_tip(world)
    duplicate = new_tip(world, reporter=world["citizen2"])
    requester, approver = api_as(world["district_staff"]), api_as(world["community_staff"])
    act(requester, duplicate.id, "mark_duplicate", duplicate_of=primary.id, reward_points=1000)
    assert act(approver, duplicate.id, "approve_reward").status_code == 200
    assert balance(world["citizen2"]) == 0
    # when the primary is verified, then the duplicate's reporter is paid once
    for action in ("accept", "assign", "verify"):
        act(requester, primary.id, action)
    assert balance(world["citizen2"]) == 1000
    assert CaseEvent.objects.filter(tip=duplicate, action="reward").count() == 1


def test_the_case_page_shows_the_pending_reward_and_the_approve_button_in_chinese(world, api_as) -> None:
    # given a reward of 2000 asked for by district staff (both staff read Chinese, the default)
    tip = verified_with_reward_asked(world, api_as)
    requester, approver = Client(), Client()
    requester.force_login(world["district_staff"])
    approver.force_login(world["community_staff"])
    # then the requester sees it pending, without an approve button
    mine = requester.get(f"/staff/cases/{tip.id}/").content.decode()
    assert "2000 福币待第二人审批" in mine
    assert 'data-testid="action-approve_reward"' not in mine
    assert 'data-testid="reward-awaits-other"' in mine
    # and a second staff member sees the approve button, which pays
    theirs = approver.get(f"/staff/cases/{tip.id}/").content.decode()
    assert 'data-testid="action-approve_reward"' in theirs
    assert "批准奖励" in theirs
    approver.post(f"/staff/cases/{tip.id}/transition/", {"action": "approve_reward", "reward_points": "2000"})
    assert balance(world["citizen"]) == ASKED
    tip.refresh_from_db()
    assert (tip.status, tip.reward_approved_by_id) == (TipStatus.VERIFIED, world["community_staff"].id)


def test_the_reporter_hears_of_the_reward_once_it_is_approved(
    world, api_as, django_capture_on_commit_callbacks
) -> None:
    # given a reward of 2000 asked for when the case is verified (the reporter reads English)
    reporter = world["citizen"]
    reporter.preferred_language = "en"
    reporter.save(update_fields=["preferred_language"])
    with django_capture_on_commit_callbacks(execute=True):
        tip = verified_with_reward_asked(world, api_as)
    # when a second staff member approves it
    with django_capture_on_commit_callbacks(execute=True):
        act(api_as(world["community_staff"]), tip.id, "approve_reward")
    # then the reporter's inbox holds the verification, then the reward, each once
    inbox = api_as(reporter).get("/inbox", headers={"Accept-Language": "en"}).json()["items"]
    news = [(n["title"], n["body"]) for n in reversed(inbox) if n["kind"] == "tip_status"]
    assert news[-2:] == [
        (f"Your tip {tip.reference}: Verified", ""),
        (f"Your tip {tip.reference}: Verified", "Reward: 2000 FZB"),
    ]
