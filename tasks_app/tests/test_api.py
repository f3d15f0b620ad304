"""The tasks API as docs/api.md describes it, with personas: citizen, own agency, other agency, anonymous."""

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from ninja.responses import NinjaJSONEncoder

from accounts.tests.factories import UserFactory
from tasks_app import selectors, services
from tasks_app.models import CheckIn, Claim, Task, TaskStatus
from tasks_app.schemas import TaskOut
from tasks_app.tests.conftest import SITE, assert_escrow_exact, budget_available, task_fields, wallet_balance

pytestmark = pytest.mark.django_db


def body(**overrides) -> dict:
    fields = task_fields(**overrides)
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in fields.items()}


def test_anonymous_finds_open_tasks_nearest_first_with_distance(api_as, make_task) -> None:
    # given tasks 0.5 km, 2 km and 8 km north of a citizen, a full one and a draft
    near = make_task(title="near", lat=SITE[0] + 0.0045)
    mid = make_task(title="mid", lat=SITE[0] + 0.018)
    make_task(title="far", lat=SITE[0] + 0.072)
    full = make_task(title="full", headcount=1, lat=SITE[0] + 0.001)
    services.claim_create(task=full, user=UserFactory())
    make_task(title="draft", publish=False)
    # when an anonymous visitor asks within 5 km
    response = api_as(None).get("/tasks", {"lat": SITE[0], "lon": SITE[1]})
    # then the two open tasks with places come nearest first, with distances and places left
    assert response.status_code == 200
    data = response.json()
    assert [item["id"] for item in data["items"]] == [near.id, mid.id]
    assert data["count"] == 2
    assert data["items"][0]["distance_km"] == pytest.approx(0.5, abs=0.01)
    assert data["items"][1]["distance_km"] == pytest.approx(2.0, abs=0.02)
    assert data["items"][0]["slots_left"] == 5
    assert data["items"][0]["agency"]["name"] == near.agency.name
    assert set(data["items"][0]) >= {
        "id", "title", "category", "agency", "lat", "lon", "address", "radius_m", "starts_at", "ends_at",
        "headcount", "slots_left", "points", "status", "distance_km",
    }  # fmt: skip


def test_nearby_filters_by_radius_category_and_time(api_as, make_task) -> None:
    patrol = make_task(category="night_patrol")
    quiz = make_task(category="anti_fraud_quiz", lat=SITE[0] + 0.05)  # 5.6 km
    later = timezone.now() + timedelta(days=2)
    tomorrow = make_task(category="elder_care", starts_at=later, ends_at=later + timedelta(hours=1))
    client = api_as(None)
    ids = lambda **q: [t["id"] for t in client.get("/tasks", {"lat": SITE[0], "lon": SITE[1], **q}).json()["items"]]  # noqa: E731
    assert set(ids()) == {patrol.id, tomorrow.id}
    assert set(ids(radius_km=10)) == {patrol.id, quiz.id, tomorrow.id}
    assert ids(radius_km=10, category="anti_fraud_quiz") == [quiz.id]
    assert ids(starts_after=(timezone.now() + timedelta(days=1)).isoformat()) == [tomorrow.id]


def test_nearby_rejects_bad_input_with_422(api_as) -> None:
    client = api_as(None)
    assert client.get("/tasks", {"lat": 95, "lon": 119}).json()["code"] == "invalid"
    assert client.get("/tasks", {"radius_km": 0}).status_code == 422
    assert client.get("/tasks", {"category": "karaoke"}).status_code == 422
    assert client.get("/tasks", {"limit": 5000}).status_code == 422


def test_nearby_list_query_count_does_not_grow(api_as, make_task, django_assert_num_queries) -> None:
    for i in range(12):
        make_task(lat=SITE[0] + i * 0.001)
    client = api_as(None)
    with django_assert_num_queries(1):  # fubi_tasks_nearby: the count and the page, in one call
        response = client.get("/tasks", {"lat": SITE[0], "lon": SITE[1]})
    assert response.json()["count"] == 12
    assert len(response.json()["items"]) == 12


# one task is given a naive time on purpose (the city's clock): Django's warning about it is expected
@pytest.mark.filterwarnings("ignore:DateTimeField Task.starts_at received a naive datetime:RuntimeWarning")
def test_the_database_answer_matches_the_orm_reading_field_for_field(api_as, make_task) -> None:
    # given tasks around a point: urgent and not, full-ish, with fractional times, another category
    now = timezone.now()
    starts = now.replace(microsecond=123456) + timedelta(hours=2)
    on_the_hour = starts.replace(microsecond=0)
    make_task(
        title="整点 on the hour", lat=SITE[0] + 0.002, starts_at=on_the_hour, ends_at=on_the_hour + timedelta(hours=2)
    )
    make_task(
        title="Fractional",
        lat=SITE[0] + 0.01,
        lon=SITE[1] + 0.01,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    make_task(title="Quiz", category="anti_fraud_quiz", lat=SITE[0] - 0.02, address='Quote " and \\ backslash')
    local_noon_tomorrow = (timezone.localtime(now) + timedelta(days=1)).replace(hour=12, minute=0, second=0)
    make_task(
        title="Tomorrow noon",
        lat=SITE[0] + 0.003,
        starts_at=local_noon_tomorrow,
        ends_at=local_noon_tomorrow + timedelta(hours=1),
    )
    naive = local_noon_tomorrow.replace(tzinfo=None) - timedelta(minutes=1)  # no offset: the city's clock
    queries = ({}, {"category": "anti_fraud_quiz"}, {"limit": 2, "offset": 1}, {"radius_km": 1})
    queries += ({"starts_after": naive.isoformat()}, {"starts_before": naive.isoformat()})
    for query in queries:
        # when the endpoint answers (PostgreSQL builds the JSON)
        data = api_as(None).get("/tasks", {"lat": SITE[0], "lon": SITE[1], **query}).json()
        # then it is what the ORM's queryset and Django's JSON encoder give for the same search
        qs = selectors.task_list_nearby(
            lat=SITE[0],
            lon=SITE[1],
            radius_km=query.get("radius_km", 5),
            category=query.get("category"),
            starts_after=datetime.fromisoformat(query["starts_after"]) if "starts_after" in query else None,
            starts_before=datetime.fromisoformat(query["starts_before"]) if "starts_before" in query else None,
        )
        offset, limit = query.get("offset", 0), query.get("limit", 50)
        # every TaskOut field, as django-ninja would render the ORM's rows (and no field more)
        expected = [TaskOut.from_orm(task).model_dump() for task in qs[offset : offset + limit]]
        assert data["items"] == json.loads(json.dumps(expected, cls=NinjaJSONEncoder)), query
        assert {"count": data["count"], "count_exact": data["count_exact"]} == {
            "count": qs.count(),
            "count_exact": True,
        }


def open_tasks_near_the_site(agency, how_many: int) -> None:
    """`how_many` open tasks with places, within 1 km of SITE, inserted in one statement."""
    fields = task_fields()
    now = timezone.now()
    Task.objects.bulk_create(
        Task(
            **{**fields, "lat": SITE[0] + (i % 100) * 0.0001, "lon": SITE[1] + (i // 100) * 0.0001},
            agency=agency,
            status=TaskStatus.OPEN,
            created_at=now,
            updated_at=now,
        )
        for i in range(how_many)
    )


@pytest.mark.parametrize(
    ("matching", "answer"),
    [(999, (999, True)), (1000, (1000, True)), (1001, (1000, False))],
)
def test_nearby_count_is_exact_up_to_1000_and_says_when_it_is_not(api_as, agency, matching, answer) -> None:
    # given 999, 1,000 or 1,001 open tasks within the radius
    open_tasks_near_the_site(agency, matching)
    # when anyone searches there
    data = api_as(None).get("/tasks", {"lat": SITE[0], "lon": SITE[1], "limit": 10}).json()
    # then the count is exact up to 1,000 and count_exact says whether it is
    assert (data["count"], data["count_exact"]) == answer
    assert len(data["items"]) == 10


def test_a_page_past_the_capped_count_is_still_served(api_as, agency) -> None:
    # given 1,001 open tasks within the radius
    open_tasks_near_the_site(agency, 1001)
    # when a client pages past the first 1,000
    data = api_as(None).get("/tasks", {"lat": SITE[0], "lon": SITE[1], "limit": 5, "offset": 998}).json()
    # then it gets the 999th to the 1,001st nearest
    assert (data["count"], data["count_exact"], len(data["items"])) == (1000, False, 3)


def test_task_detail_is_public_but_drafts_are_not(api_as, make_task) -> None:
    task = make_task(min_minutes=15)
    draft = make_task(publish=False)
    client = api_as(None)
    data = client.get(f"/tasks/{task.id}").json()
    assert data["min_minutes"] == 15
    assert data["description"] == "Walk the lanes with the police team."
    assert client.get(f"/tasks/{draft.id}").status_code == 404


def test_agency_staff_create_and_publish_a_task(api_as, staff, agency) -> None:
    client = api_as(staff)
    before = budget_available(agency)
    created = client.post("/tasks", body(headcount=4, points=50))
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "draft"
    published = client.post(f"/tasks/{created.json()['id']}/publish")
    assert published.status_code == 200
    assert published.json()["status"] == "open"
    assert budget_available(agency) == before - 200


def test_create_rejects_bad_values_with_422(api_as, staff) -> None:
    client = api_as(staff)
    now = timezone.now()
    bad_window = client.post("/tasks", body(starts_at=now + timedelta(hours=2), ends_at=now + timedelta(hours=1)))
    assert bad_window.status_code == 422
    assert client.post("/tasks", body(headcount=0)).status_code == 422
    assert client.post("/tasks", body(category="karaoke")).status_code == 422
    assert client.post("/tasks", body(lat=123)).status_code == 422
    assert Task.objects.count() == 0


def test_publish_without_budget_answers_409_insufficient_funds(api_as, staff) -> None:
    client = api_as(staff)
    task_id = client.post("/tasks", body(headcount=1000, points=100_000)).json()["id"]
    response = client.post(f"/tasks/{task_id}/publish")
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_funds"


@pytest.mark.parametrize("persona", ["citizen", "other_staff", "anonymous"])
def test_only_the_own_agency_manages_a_task(api_as, make_task, persona, request) -> None:
    task = make_task(publish=False)
    client = api_as(None if persona == "anonymous" else request.getfixturevalue(persona))
    expected = {"citizen": 403, "other_staff": 404, "anonymous": 401}[persona]
    assert client.post(f"/tasks/{task.id}/publish").status_code == expected
    assert client.post(f"/tasks/{task.id}/cancel").status_code == expected
    assert client.get(f"/tasks/{task.id}/claims").status_code == expected
    # creating a task for someone else's agency
    create = client.post("/tasks", {**body(), "agency_id": task.agency_id})
    assert create.status_code == {"citizen": 403, "other_staff": 404, "anonymous": 401}[persona]
    task.refresh_from_db()
    assert task.status == "draft"


def test_claim_flow_through_the_api(api_as, make_task, citizen, staff, agency) -> None:
    # given an open task
    task = make_task(points=100, headcount=2)
    me = api_as(citizen)
    # when the citizen claims, checks in and out on site
    claim = me.post(f"/tasks/{task.id}/claims")
    assert claim.status_code == 201
    assert claim.json()["status"] == "claimed"
    assert claim.json()["task_id"] == task.id
    claim_id = claim.json()["id"]
    assert me.post(f"/tasks/{task.id}/claims").json()["code"] == "already_claimed"
    now = timezone.now().isoformat()
    fix = {"lat": SITE[0], "lon": SITE[1], "accuracy_m": 8, "recorded_at": now}
    checked_in = me.post(f"/claims/{claim_id}/checkins", {"kind": "in", **fix})
    assert checked_in.status_code == 201
    assert checked_in.json() | {"id": 0} == {
        "id": 0, "kind": "in", "accepted": True, "flags": [], "distance_m": 0.0, "claim_status": "checked_in",
        "synced_late": False,  # sent at once, not queued offline
    }  # fmt: skip
    assert me.post(f"/claims/{claim_id}/checkins", {"kind": "out", **fix}).json()["claim_status"] == "completed"
    assert [c["status"] for c in me.get("/claims").json()["items"]] == ["completed"]
    # then its agency sees the evidence and approves; approving again pays nothing more
    agency_client = api_as(staff)
    claims = agency_client.get(f"/tasks/{task.id}/claims").json()
    assert claims["items"][0]["checkins"][0]["kind"] == "in"
    assert claims["items"][0]["flags"] == []
    for _ in range(2):
        approved = agency_client.post(f"/claims/{claim_id}/approve")
        assert approved.status_code == 200
        assert approved.json()["status"] == "paid"
    assert wallet_balance(citizen) == 100
    assert_escrow_exact(agency)


def test_check_in_outside_answers_422_with_distance(api_as, make_task, citizen) -> None:
    task = make_task()
    me = api_as(citizen)
    claim_id = me.post(f"/tasks/{task.id}/claims").json()["id"]
    response = me.post(
        f"/claims/{claim_id}/checkins",
        {
            "kind": "in",
            "lat": SITE[0] + 0.01,
            "lon": SITE[1],
            "accuracy_m": 8,
            "recorded_at": timezone.now().isoformat(),
        },
    )
    assert response.status_code == 422
    assert response.json()["code"] == "outside_geofence"
    assert response.json()["details"]["distance_m"] > 1000
    assert CheckIn.objects.filter(claim_id=claim_id, accepted=False).count() == 1


def test_check_in_rejects_malformed_values(api_as, make_task, citizen) -> None:
    me = api_as(citizen)
    claim_id = me.post(f"/tasks/{make_task().id}/claims").json()["id"]
    now = timezone.now().isoformat()
    url = f"/claims/{claim_id}/checkins"
    fix = {"lat": 1, "lon": 1, "accuracy_m": 1, "recorded_at": now}
    assert me.post(url, {**fix, "kind": "teleport"}).status_code == 422
    assert me.post(url, {**fix, "kind": "in", "accuracy_m": -1}).status_code == 422
    naive = me.post(url, {**fix, "kind": "in", "recorded_at": "2026-01-01T10:00:00"})
    assert naive.status_code == 422
    assert not CheckIn.objects.filter(claim_id=claim_id).exists()


def test_a_claim_is_only_its_claimants(api_as, make_task, citizen, staff, other_staff) -> None:
    task = make_task()
    claim = services.claim_create(task=task, user=citizen)
    stranger = api_as(UserFactory())
    assert stranger.post(f"/claims/{claim.id}/cancel").status_code == 404
    assert stranger.get(f"/claims/{claim.id}").status_code == 404
    assert stranger.post(f"/claims/{claim.id}/approve").status_code == 403
    assert api_as(other_staff).post(f"/claims/{claim.id}/approve").status_code == 404
    assert api_as(other_staff).post(f"/claims/{claim.id}/reject", {"reason": "x"}).status_code == 404
    assert api_as(None).post(f"/tasks/{task.id}/claims").status_code == 401
    assert api_as(staff).post(f"/tasks/{task.id}/claims").json()["code"] == "own_agency_task"


def test_replayed_claim_with_idempotency_key_changes_nothing(api_as, make_task, citizen) -> None:
    task = make_task(headcount=3)
    me = api_as(citizen)
    first = me.post(f"/tasks/{task.id}/claims", headers={"Idempotency-Key": "claim-1"})
    again = me.post(f"/tasks/{task.id}/claims", headers={"Idempotency-Key": "claim-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    task.refresh_from_db()
    assert task.slots_taken == 1
    assert Claim.objects.filter(task=task).count() == 1


def test_cancel_then_reject_through_the_api(api_as, make_task, citizen, staff, agency) -> None:
    start = timezone.now() + timedelta(hours=2)
    task = make_task(starts_at=start, ends_at=start + timedelta(hours=1), headcount=2)
    me = api_as(citizen)
    claim_id = me.post(f"/tasks/{task.id}/claims").json()["id"]
    cancelled = me.post(f"/claims/{claim_id}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    other = UserFactory()
    other_claim = services.claim_create(task=task, user=other)
    rejected = api_as(staff).post(f"/claims/{other_claim.id}/reject", {"reason": "duplicate person"})
    assert rejected.json()["status"] == "rejected"
    assert_escrow_exact(agency)
    cancelled_task = api_as(staff).post(f"/tasks/{task.id}/cancel")
    assert cancelled_task.json()["status"] == "cancelled"
    assert_escrow_exact(agency)


def test_task_detail_with_a_position_gives_the_distance(api_as, make_task) -> None:
    task = make_task()
    data = api_as(None).get(f"/tasks/{task.id}", {"lat": SITE[0] + 0.009, "lon": SITE[1]}).json()
    assert data["distance_km"] == pytest.approx(1.0, abs=0.01)


def test_agency_lists_its_own_tasks_drafts_included(api_as, make_task, staff, other_staff) -> None:
    draft = make_task(publish=False)
    live = make_task()
    mine = api_as(staff).get("/agency/tasks").json()
    assert {item["id"] for item in mine["items"]} == {draft.id, live.id}
    assert {item["escrow_points"] for item in mine["items"]} == {0, 500}
    assert api_as(other_staff).get("/agency/tasks").json()["count"] == 0
