"""Staff paying themselves (issue 13, hole 1): grid staff keep the citizen role, so each test files a
tip as a staff member and then tries to act on it, or on a case tied to it by a merge, as staff.
Every such action answers 403 own_tip, moves no point, and tells nobody else who reported what."""

import pytest
from django.test import Client

from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from tips.models import CaseEvent, Tip, TipStatus
from tips.tests.test_cases import act, balance, new_tip

pytestmark = pytest.mark.django_db

OWN_TIP_MESSAGE = "You reported this case or a tip merged into it: another staff member must handle it."


def centre_balance(world) -> int:
    return ledger_selectors.account_balance(ledger_services.agency_budget_account(world["centre"]))["balance"]


def in_english(api):
    """API answers and pages speak the request's language (Accept-Language), Chinese by default."""
    api.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return api


def staff_files_anonymous_tip(world, api_as, category: str = "mental_health") -> Tip:
    """Through the API, as a citizen would: a grid staff member of the tip's grid, anonymously."""
    response = api_as(world["community_staff"]).post(
        "/tips",
        data={
            "category": category,
            "description": "Seen near the gate",
            "lat": 26.07,
            "lon": 119.25,
            "anonymous": True,
        },
    )
    assert response.status_code == 201
    return Tip.objects.get(pk=response.json()["id"])


def test_staff_cannot_accept_their_own_anonymous_tip(world, api_as) -> None:
    # given a grid staff member's anonymous tip in their own queue
    tip = staff_files_anonymous_tip(world, api_as)
    # when they accept it
    response = act(in_english(api_as(world["community_staff"])), tip.id, "accept")
    # then 403 own_tip, a message about their own tip only, and the case did not move
    assert response.status_code == 403
    assert response.json() == {"code": "own_tip", "message": OWN_TIP_MESSAGE, "details": {"case_id": tip.id}}
    tip.refresh_from_db()
    assert tip.status == TipStatus.SUBMITTED
    assert not CaseEvent.objects.filter(tip=tip, action="accept").exists()


def test_staff_cannot_assign_their_own_tip(world, api_as) -> None:
    # given their own tip, accepted by a colleague
    tip = staff_files_anonymous_tip(world, api_as)
    assert act(api_as(world["district_staff"]), tip.id, "accept").status_code == 200
    # when they assign it
    response = act(api_as(world["community_staff"]), tip.id, "assign")
    # then 403 own_tip and it stays accepted
    assert (response.status_code, response.json()["code"]) == (403, "own_tip")
    tip.refresh_from_db()
    assert (tip.status, tip.assignee_id) == (TipStatus.ACCEPTED, None)


def test_staff_cannot_verify_their_own_tip_and_no_point_moves(world, api_as) -> None:
    # given their own tip, accepted and assigned by a colleague
    tip = staff_files_anonymous_tip(world, api_as)
    colleague = api_as(world["district_staff"])
    act(colleague, tip.id, "accept")
    act(colleague, tip.id, "assign")
    budget_before = centre_balance(world)
    # when they verify it with the largest reward
    response = act(api_as(world["community_staff"]), tip.id, "verify", reward_points=100_000)
    # then 403 own_tip, not a point moved, nothing awaits approval
    assert (response.status_code, response.json()["code"]) == (403, "own_tip")
    assert balance(world["community_staff"]) == 0
    assert centre_balance(world) == budget_before
    tip.refresh_from_db()
    assert (tip.status, tip.reward_points, tip.reward_requested_by_id) == (TipStatus.ASSIGNED, None, None)


def test_the_refusal_reaches_only_the_reporter_and_other_staff_learn_nothing(world, api_as) -> None:
    # given a staff member's anonymous tip
    tip = staff_files_anonymous_tip(world, api_as)
    reporter = world["community_staff"]
    # when they are refused and a colleague then works the case
    assert act(api_as(reporter), tip.id, "accept").status_code == 403
    colleague = api_as(world["district_staff"])
    accepted = act(colleague, tip.id, "accept")
    # then the colleague's answer is the case as usual, with no trace of who reported it or was refused
    assert accepted.status_code == 200
    body = accepted.content.decode()
    assert accepted.json()["reporter"] is None
    for secret in (reporter.email, reporter.display_name, "own_tip"):
        assert secret not in body
    page = Client()
    page.force_login(world["district_staff"])
    html = page.get(f"/staff/cases/{tip.id}/").content.decode()
    assert 'data-testid="own-case"' not in html
    assert reporter.display_name not in html


def test_staff_cannot_mark_their_own_tip_as_a_duplicate_to_reward_it(world, api_as) -> None:
    # given a colleague's case and the staff member's own tip about the same thing
    primary = new_tip(world, category="drugs")
    own = staff_files_anonymous_tip(world, api_as, category="drugs")
    # when they merge their tip into the case with a reward
    response = act(
        api_as(world["community_staff"]), own.id, "mark_duplicate", duplicate_of=primary.id, reward_points=500
    )
    # then 403 own_tip and their tip is untouched
    assert (response.status_code, response.json()["code"]) == (403, "own_tip")
    own.refresh_from_db()
    assert (own.status, own.duplicate_of_id, own.reward_points) == (TipStatus.SUBMITTED, None, None)


def test_staff_cannot_merge_a_case_into_their_own_tip(world, api_as) -> None:
    # given the staff member's own tip and a citizen's tip of the same kind
    own = staff_files_anonymous_tip(world, api_as, category="drugs")
    other = new_tip(world, category="drugs")
    # when they mark the citizen's tip as a duplicate OF their own
    response = act(api_as(world["community_staff"]), other.id, "mark_duplicate", duplicate_of=own.id)
    # then 403 own_tip
    assert (response.status_code, response.json()["code"]) == (403, "own_tip")
    other.refresh_from_db()
    assert other.status == TipStatus.SUBMITTED


def test_staff_cannot_merge_into_a_case_whose_duplicate_is_theirs(world, api_as) -> None:
    # given a citizen's case into which a colleague merged the staff member's own tip
    primary = new_tip(world, category="drugs")
    own = staff_files_anonymous_tip(world, api_as, category="drugs")
    colleague = api_as(world["district_staff"])
    assert act(colleague, own.id, "mark_duplicate", duplicate_of=primary.id, reward_points=500).status_code == 200
    third = new_tip(world, reporter=world["citizen2"], category="drugs")
    # when the staff member merges another tip into that case
    response = act(api_as(world["community_staff"]), third.id, "mark_duplicate", duplicate_of=primary.id)
    # then 403 own_tip
    assert (response.status_code, response.json()["code"]) == (403, "own_tip")
    third.refresh_from_db()
    assert third.status == TipStatus.SUBMITTED


def test_staff_cannot_verify_a_case_their_tip_was_merged_into(world, api_as) -> None:
    # given a citizen's case, with the staff member's own tip merged into it carrying a reward
    primary = new_tip(world, category="drugs")
    own = staff_files_anonymous_tip(world, api_as, category="drugs")
    colleague = api_as(world["district_staff"])
    act(colleague, own.id, "mark_duplicate", duplicate_of=primary.id, reward_points=500)
    act(colleague, primary.id, "accept")
    act(colleague, primary.id, "assign")
    # when the staff member verifies the case (which would pay their duplicate's reward)
    response = act(api_as(world["community_staff"]), primary.id, "verify")
    # then 403 own_tip and nobody is paid
    assert (response.status_code, response.json()["code"]) == (403, "own_tip")
    assert balance(world["community_staff"]) == 0
    assert balance(world["citizen"]) == 0


def test_a_staff_members_own_tip_is_verified_by_a_second_staff_member(world, api_as) -> None:
    # given a grid staff member's own tip (the acceptance of issue 13)
    tip = staff_files_anonymous_tip(world, api_as)
    reporter = api_as(world["community_staff"])
    colleague = api_as(world["district_staff"])
    act(colleague, tip.id, "accept")
    act(colleague, tip.id, "assign")
    # when they try to verify it, then 403 own_tip
    refused = act(reporter, tip.id, "verify")
    assert (refused.status_code, refused.json()["code"]) == (403, "own_tip")
    # when a second staff member verifies it, then it is verified and the reporter is paid the default
    verified = act(colleague, tip.id, "verify")
    assert verified.status_code == 200
    assert (verified.json()["status"], verified.json()["reward_paid"]) == ("verified", True)
    assert balance(world["community_staff"]) == 10_000


def test_the_case_page_offers_no_action_on_ones_own_tip_and_its_form_is_refused(world, api_as) -> None:
    # given a staff member's own tip, on their case page
    tip = staff_files_anonymous_tip(world, api_as)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world["community_staff"])
    page = client.get(f"/staff/cases/{tip.id}/").content.decode()
    assert 'data-testid="own-case"' in page
    assert 'data-testid="action-accept"' not in page
    assert 'data-testid="action-reject"' not in page
    # when they post the page's form anyway
    response = client.post(f"/staff/cases/{tip.id}/transition/", {"action": "accept"}, follow=True)
    # then the page shows the refusal and the case did not move
    assert OWN_TIP_MESSAGE in response.content.decode()
    tip.refresh_from_db()
    assert tip.status == TipStatus.SUBMITTED
