"""Online tasks (issue 18): no place; proved by a link, a confirmation or a quiz result; for a team,
a grid or everyone; paid from escrow as other tasks, once, also under replay and racing requests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import GridLevel
from accounts.tests.factories import GridFactory, UserFactory, box
from community.models import Group, Membership
from ledger.models import Transaction
from tasks_app import services
from tasks_app.models import Claim, ClaimStatus, Task, TeamMembership
from tasks_app.services import online
from tasks_app.services import teams as team_services
from tasks_app.tests.conftest import SITE, assert_escrow_exact, race_outcomes, wallet_balance

pytestmark = pytest.mark.django_db


def online_fields(**overrides) -> dict:
    now = timezone.now()
    fields = {
        "title": "Read the new anti-fraud notice",
        "description": "Read it to the end, then confirm.",
        "category": "safety_publicity",
        "lat": None,
        "lon": None,
        "starts_at": now - timedelta(minutes=5),
        "ends_at": now + timedelta(days=3),
        "headcount": 100,
        "points": 10,
        "proof": "confirmation",
        "online_url": "https://example.org/notice",
        "auto_approve": True,
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def make_online(agency, staff):
    def make(**overrides) -> Task:
        task = services.task_create(agency=agency, created_by=staff, **online_fields(**overrides))
        return services.task_publish(task=task, user=staff)

    return make


@pytest.fixture
def trusted(settings):
    """Accounts are paid automatically from their first claim (the new-account rule is its own test)."""
    settings.FUBI_NEW_ACCOUNT_MANUAL_CLAIMS = 0


def json_body(fields: dict) -> dict:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in fields.items() if v is not None}


def test_staff_create_an_online_task_without_a_place(api_as, staff) -> None:
    created = api_as(staff).post("/tasks", json_body(online_fields()))
    assert created.status_code == 201
    data = created.json()
    assert (data["lat"], data["lon"], data["proof"], data["audience"]) == (None, None, "confirmation", "all")
    placed = api_as(staff).post("/tasks", json_body(online_fields(lat=SITE[0], lon=SITE[1])))
    assert (placed.status_code, placed.json()["details"]["field"]) == (422, "lat")
    on_site = api_as(staff).post("/tasks", json_body(online_fields(proof="gps")))
    assert (on_site.status_code, on_site.json()["details"]["field"]) == (422, "lat")
    auto_link = api_as(staff).post("/tasks", json_body(online_fields(proof="link")))
    assert (auto_link.status_code, auto_link.json()["details"]["field"]) == (422, "auto_approve")
    quiz = api_as(staff).post("/tasks", json_body(online_fields(proof="quiz")))
    assert (quiz.status_code, quiz.json()["details"]["field"]) == (422, "quiz_id")
    assert Task.objects.count() == 1


def test_nearby_search_never_lists_online_tasks_the_citizens_own_list_does(api_as, citizen, make_online) -> None:
    task = make_online()
    assert api_as(None).get("/tasks", {"lat": SITE[0], "lon": SITE[1], "radius_km": 50}).json()["count"] == 0
    mine = api_as(citizen).get("/tasks/for-me").json()
    assert [(t["id"], t["lat"], t["proof"]) for t in mine["items"]] == [(task.id, None, "confirmation")]
    assert api_as(None).get(f"/tasks/{task.id}").json()["online_url"] == "https://example.org/notice"


def test_a_confirmation_is_paid_once_under_replay(api_as, agency, citizen, make_online, trusted) -> None:
    # given a citizen's place on an auto-approving confirmation task
    task = make_online()
    client = api_as(citizen)
    claim_id = client.post(f"/tasks/{task.id}/claims").json()["id"]
    payouts = Transaction.objects.count()
    # when they confirm, the same request is replayed with its key, and they confirm again without one
    key = {"Idempotency-Key": "confirm-1"}
    first = client.post(f"/claims/{claim_id}/proof", {"confirm": True}, headers=key)
    replay = client.post(f"/claims/{claim_id}/proof", {"confirm": True}, headers=key)
    again = client.post(f"/claims/{claim_id}/proof", {"confirm": True})
    # then the claim is paid once
    assert (first.status_code, first.json()["status"]) == (200, "paid")
    assert replay.json() == first.json()
    assert (again.status_code, again.json()["status"]) == (200, "paid")
    assert wallet_balance(citizen) == 10
    assert Transaction.objects.count() == payouts + 1
    assert_escrow_exact(agency)


@pytest.mark.django_db(transaction=True)
def test_racing_confirmations_pay_once(agency, staff, citizen, settings) -> None:
    settings.FUBI_NEW_ACCOUNT_MANUAL_CLAIMS = 0
    task = services.task_publish(task=services.task_create(agency=agency, created_by=staff, **online_fields()))
    claim = services.claim_create(task=task, user=citizen)
    outcomes = race_outcomes([lambda: online.claim_proof_submit(claim=claim, confirm=True)] * 4)
    assert outcomes == ["ok"] * 4
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.PAID
    assert wallet_balance(citizen) == 10
    assert_escrow_exact(agency)


def test_a_new_accounts_confirmation_waits_for_the_agency(api_as, citizen, make_online) -> None:
    task = make_online()
    claim = services.claim_create(task=task, user=citizen)
    assert online.claim_proof_submit(claim=claim, confirm=True).status == ClaimStatus.COMPLETED
    assert wallet_balance(citizen) == 0


def test_a_link_waits_for_the_agency_and_is_paid_once(api_as, agency, staff, citizen, make_online) -> None:
    task = make_online(proof="link", auto_approve=False, online_url="https://example.org/video")
    client = api_as(citizen)
    claim_id = client.post(f"/tasks/{task.id}/claims").json()["id"]
    empty = client.post(f"/claims/{claim_id}/proof", {"url": "javascript:alert(1)"})
    assert (empty.status_code, empty.json()["details"]["field"]) == (422, "url")
    sent = client.post(f"/claims/{claim_id}/proof", {"url": "https://weibo.example/post/42"})
    assert (sent.json()["status"], sent.json()["proof_url"]) == ("completed", "https://weibo.example/post/42")
    assert api_as(staff).post(f"/claims/{claim_id}/approve").json()["status"] == "paid"
    assert api_as(staff).post(f"/claims/{claim_id}/approve").json()["status"] == "paid"
    assert wallet_balance(citizen) == 10
    assert_escrow_exact(agency)


def test_an_online_task_takes_no_check_in_and_a_site_task_no_proof(api_as, citizen, make_online, make_task) -> None:
    client = api_as(citizen)
    online_claim = client.post(f"/tasks/{make_online().id}/claims").json()["id"]
    fix = {"kind": "in", "lat": SITE[0], "lon": SITE[1], "accuracy_m": 10, "recorded_at": timezone.now().isoformat()}
    refused = client.post(f"/claims/{online_claim}/checkins", fix)
    assert (refused.status_code, refused.json()["code"]) == (409, "task_online")
    site_claim = client.post(f"/tasks/{make_task().id}/claims").json()["id"]
    no_proof = client.post(f"/claims/{site_claim}/proof", {"confirm": True})
    assert (no_proof.status_code, no_proof.json()["code"]) == (409, "task_not_online")


def test_a_teams_online_task_is_404_to_outsiders(api_as, agency, staff, citizen, make_online) -> None:
    team = team_services.team_create(agency=agency, created_by=staff, name="Sharers", is_open=False)
    member = UserFactory()
    TeamMembership.objects.create(team=team, user=member)
    task = make_online(audience="team", team=team)
    for client in (api_as(citizen), api_as(None)):
        assert client.get(f"/tasks/{task.id}").status_code == 404
    refused = api_as(citizen).post(f"/tasks/{task.id}/claims")
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    assert api_as(citizen).get("/tasks/for-me").json()["count"] == 0
    assert api_as(member).post(f"/tasks/{task.id}/claims").status_code == 201
    assert Claim.objects.filter(task=task).count() == 1


def test_a_grids_online_task_reaches_its_citizens_and_those_of_grids_inside(api_as, make_online) -> None:
    # given a district with a community, the community's group with a member, and an outsider
    district = GridFactory(code="o-district", level=GridLevel.DISTRICT, boundary=box(26.0, 119.2, 26.2, 119.4))
    community = GridFactory(
        code="o-comm", level=GridLevel.COMMUNITY, boundary=box(26.05, 119.25, 26.1, 119.35), parent=district
    )
    group = Group.objects.create(name="Guxi neighbours", grid=community)
    neighbour, outsider = UserFactory(), UserFactory()
    Membership.objects.create(group=group, user=neighbour)
    # when the agency sends an online task to the whole district
    task = make_online(audience="grid", grid=district)
    # then the neighbour (in a community inside it) sees and claims it; the outsider does not find it
    assert [t["id"] for t in api_as(neighbour).get("/tasks/for-me").json()["items"]] == [task.id]
    assert api_as(neighbour).post(f"/tasks/{task.id}/claims").status_code == 201
    assert api_as(outsider).get(f"/tasks/{task.id}").status_code == 404
    refused = api_as(outsider).post(f"/tasks/{task.id}/claims")
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")


def test_a_passed_quiz_completes_and_pays_its_task_once(agency, citizen, make_online, trusted) -> None:
    task = make_online(proof="quiz", quiz_id=7, online_url="")
    claim = services.claim_create(task=task, user=citizen)
    assert online.claim_quiz_result_record(quiz_id=7, user_id=citizen.pk, passed=False, score=2) == []
    assert Claim.objects.get(pk=claim.pk).quiz_score == 2
    (paid,) = online.claim_quiz_result_record(quiz_id=7, user_id=citizen.pk, passed=True, score=5)
    assert (paid.status, paid.quiz_score) == (ClaimStatus.PAID, 5)
    assert online.claim_quiz_result_record(quiz_id=7, user_id=citizen.pk, passed=True, score=5) == []
    assert wallet_balance(citizen) == 10
    assert_escrow_exact(agency)


def test_the_audience_follows_the_team_or_grid_named(api_as, agency, staff, other_staff) -> None:
    team = team_services.team_create(agency=agency, created_by=staff, name="Sharers")
    grid = GridFactory(code="o-aud", level=GridLevel.DISTRICT, boundary=box(26.0, 119.2, 26.2, 119.4))
    client = api_as(staff)
    for_team = client.post("/tasks", json_body(online_fields(team_id=team.pk))).json()
    for_grid = client.post("/tasks", json_body(online_fields(grid_id=grid.pk))).json()
    assert (for_team["audience"], for_team["team_id"]) == ("team", team.pk)
    assert (for_grid["audience"], for_grid["grid_id"]) == ("grid", grid.pk)
    other_team = client.post("/tasks", json_body(online_fields(audience="all", team_id=team.pk)))
    assert (other_team.status_code, other_team.json()["details"]["field"]) == (422, "audience")
    foreign = api_as(other_staff).post("/tasks", json_body(online_fields(team_id=team.pk)))
    assert (foreign.status_code, foreign.json()["code"]) == (404, "not_found")
    nowhere = client.post("/tasks", json_body(online_fields(grid_id=999_999)))
    assert (nowhere.status_code, nowhere.json()["details"]["field"]) == (422, "grid_id")
