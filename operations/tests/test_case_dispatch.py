"""POST /cases/{id}/dispatch: an urgent task at the case's place, funded once from the grid centre's
budget, offered to the nearest on-call volunteers; the case's timeline records who accepted."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import ApiClient, login_token
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.models import Transaction, TransactionKind
from live.log import event_log
from operations.models import CaseDispatch
from operations.services import case_dispatch
from tasks_app import services as task_services
from tasks_app.models import DispatchOffer, OfferStatus, Task
from tests.races import race
from tips import services as tip_services
from tips.models import CaseEvent

pytestmark = pytest.mark.django_db


def budget(agency) -> dict:
    return ledger_selectors.account_balance(ledger_services.agency_budget_account(agency))


def escrow(agency) -> int:
    return ledger_selectors.account_balance(ledger_services.agency_escrow_account(agency))["balance"]


def dispatch(api: ApiClient, case_id: int, body: dict, key: str | None = None):
    headers = {"Accept-Language": "en", **({"Idempotency-Key": key} if key else {})}
    return api.post(f"/cases/{case_id}/dispatch", body, headers=headers)


def test_dispatch_funds_an_urgent_task_at_the_case_and_offers_the_nearest(world, volunteers, sos_case, api_as):
    # given an SOS in the community and on-call volunteers 300 m, 1.2 km, 3.5 km and 30 km away
    centre = world["centre"]
    before = budget(centre)["available"]
    # when the community's staff dispatch two volunteers at 150 points each
    response = dispatch(api_as(world["community_staff"]), sos_case.id, {"count": 2, "points": 150})
    # then an urgent task of the grid centre sits at the case's place, funded 2 × 150 through escrow
    assert response.status_code == 201, response.content
    body = response.json()
    task = Task.objects.get(pk=body["task_id"])
    assert (task.agency_id, task.status, task.is_urgent, task.category) == (centre.id, "open", True, "urgent_response")
    assert (task.lat, task.lon, task.headcount, task.points, task.escrow_points) == (
        sos_case.lat,
        sos_case.lon,
        2,
        150,
        300,
    )
    assert budget(centre)["available"] == before - 300
    assert escrow(centre) == 300
    # and the two nearest on-call volunteers got the offers, distances to the nearest 100 m
    assert [offer["distance_m"] for offer in body["offers"]] == [300.0, 1200.0]
    offered = DispatchOffer.objects.filter(task=task).order_by("distance_m").values_list("user_id", flat=True)
    assert list(offered) == [volunteers["near"].id, volunteers["middle"].id]
    assert body["offers"][0]["task_title"] == f"Urgent: Fighting, case {sos_case.reference}"
    # and the case's timeline records the dispatch (staff only), its state unchanged
    step = CaseEvent.objects.get(tip=sos_case, action="dispatch")
    assert (step.actor_id, step.from_status, step.to_status) == (world["community_staff"].id, "submitted", "submitted")
    assert step.data == {"task_id": task.id, "count": 2, "points": 150, "offer_distances_m": [300.0, 1200.0]}
    detail = api_as(world["community_staff"]).get(f"/cases/{sos_case.id}", headers={"Accept-Language": "en"}).json()
    assert detail["timeline"][-1]["summary"] == f"Urgent task {task.id}: 2 of 2 volunteers asked, 150 FZB each"
    mine = api_as(world["citizen"]).get(f"/tips/{sos_case.id}").json()
    assert [step["action"] for step in mine["timeline"]] == ["submit"]


def test_the_timeline_records_who_accepted_and_how_far_away(world, volunteers, sos_case, api_as):
    # given a dispatch from the case
    body = dispatch(api_as(world["community_staff"]), sos_case.id, {"count": 2, "points": 150}).json()
    middle_offer = DispatchOffer.objects.get(task_id=body["task_id"], user=volunteers["middle"])
    # when the volunteer 1.2 km away accepts through the API
    accepted = api_as(volunteers["middle"]).post(f"/offers/{middle_offer.id}/accept")
    # then they hold a place, and the case's timeline names them with their distance
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    step = CaseEvent.objects.get(tip=sos_case, action="dispatch_accept")
    assert step.actor_id == volunteers["middle"].id
    assert step.data == {
        "task_id": body["task_id"],
        "offer_id": middle_offer.id,
        "volunteer": "Volunteer Middle",
        "distance_m": 1200.0,
    }
    timeline = (
        api_as(world["community_staff"])
        .get(f"/cases/{sos_case.id}", headers={"Accept-Language": "en"})
        .json()["timeline"]
    )
    assert timeline[-1]["summary"] == "Volunteer Middle accepted, 1.2 km away"
    assert timeline[-1]["by"] == {"id": volunteers["middle"].id, "display_name": "Volunteer Middle"}
    # and the reporter's own timeline shows neither step
    mine = api_as(world["citizen"]).get(f"/tips/{sos_case.id}").json()
    assert [step["action"] for step in mine["timeline"]] == ["submit"]


def test_offers_widen_to_the_next_nearest_after_the_timeout(world, volunteers, sos_case, api_as):
    body = dispatch(api_as(world["community_staff"]), sos_case.id, {"count": 2, "points": 150}).json()
    task = Task.objects.get(pk=body["task_id"])
    # when nobody answers within the task's timeout
    later = timezone.now() + timedelta(minutes=task.dispatch_timeout_minutes + 1)
    widened = task_services.dispatch_widen(task=task, now=later)
    # then the next nearest on-call volunteer within reach is asked (30 km is beyond it)
    assert [offer.user_id for offer in widened] == [volunteers["far"].id]
    assert DispatchOffer.objects.filter(task=task, status=OfferStatus.EXPIRED).count() == 2


def test_a_replayed_dispatch_funds_once(world, volunteers, sos_case, api_as):
    api = api_as(world["community_staff"])
    first = dispatch(api, sos_case.id, {"count": 2, "points": 150}, key="dispatch-1")
    again = dispatch(api, sos_case.id, {"count": 2, "points": 150}, key="dispatch-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert CaseDispatch.objects.filter(tip=sos_case).count() == 1
    assert Transaction.objects.filter(kind=TransactionKind.TASK_ESCROW).count() == 1
    assert escrow(world["centre"]) == 300
    # the same key on another body is refused and changes nothing
    reused = dispatch(api, sos_case.id, {"count": 3, "points": 150}, key="dispatch-1")
    assert (reused.status_code, reused.json()["code"]) == (409, "idempotency_key_reused")
    assert escrow(world["centre"]) == 300


@pytest.mark.django_db(transaction=True)
def test_two_racing_connections_with_one_key_fund_once(world, volunteers, sos_case):
    # given the same staff member's dispatch sent twice at once on two connections
    token = login_token(Client(), world["community_staff"].email)

    def fire(_: int) -> tuple[int, dict]:
        response = dispatch(ApiClient(token), sos_case.id, {"count": 2, "points": 150}, key="race-dispatch")
        return response.status_code, response.json()

    answers = race(fire, range(2))
    # then both get the one answer, and one task was funded once
    assert [status for status, _body in answers] == [201, 201]
    assert answers[0][1] == answers[1][1]
    assert Task.objects.filter(agency=world["centre"]).count() == 1
    assert Transaction.objects.filter(kind=TransactionKind.TASK_ESCROW).count() == 1
    assert escrow(world["centre"]) == 300
    assert DispatchOffer.objects.count() == 2
    assert CaseEvent.objects.filter(tip=sos_case, action="dispatch").count() == 1


def test_refusals_change_nothing(world, volunteers, sos_case, api_as, make_user):
    centre = world["centre"]
    before = budget(centre)
    # a case of another grid is not found; a citizen may not dispatch
    assert dispatch(api_as(world["other_staff"]), sos_case.id, {"count": 1, "points": 10}).status_code == 404
    assert dispatch(api_as(world["citizen2"]), sos_case.id, {"count": 1, "points": 10}).json()["code"] == "forbidden"
    # more than the centre can fund: 409 insufficient_funds
    poor = dispatch(api_as(world["community_staff"]), sos_case.id, {"count": 50, "points": 100_000})
    assert (poor.status_code, poor.json()["code"]) == (409, "insufficient_funds")
    # bad values: 422
    for body in ({"count": 0, "points": 10}, {"count": 1, "points": 0}, {"count": 51, "points": 10}, {"count": 1}):
        assert dispatch(api_as(world["community_staff"]), sos_case.id, body).status_code == 422
    # a closed case: 409 case_closed
    rejected = tip_services.case_transition(tip=sos_case, actor=world["district_staff"], action="reject")
    closed = dispatch(api_as(world["community_staff"]), rejected.id, {"count": 1, "points": 10})
    assert (closed.status_code, closed.json()["code"]) == (409, "case_closed")
    assert budget(centre) == before
    assert Task.objects.count() == 0
    assert CaseEvent.objects.filter(action="dispatch").count() == 0


def test_staff_never_dispatch_for_their_own_report(world, volunteers, api_as):
    staff = world["community_staff"]
    own = tip_services.tip_submit(
        reporter=staff, category_code="fighting", description="Fight", lat=26.07, lon=119.25, kind="sos"
    )
    response = dispatch(api_as(staff), own.id, {"count": 1, "points": 10})
    assert (response.status_code, response.json()["code"]) == (403, "own_tip")
    assert Task.objects.count() == 0


def test_live_events_tell_the_case_grid_of_the_dispatch_and_the_acceptance(
    world, volunteers, sos_case, settings, django_capture_on_commit_callbacks
):
    # given a live log of this test's own (memory, as without Redis)
    settings.FUBI_LIVE_REDIS_URL = ""
    settings.FUBI_LIVE_STREAM_KEY = f"fubi:live:test:dispatch:{sos_case.id}"
    log = event_log()
    # when staff dispatch and the nearest volunteer accepts
    with django_capture_on_commit_callbacks(execute=True):
        _task, offers = case_dispatch(tip=sos_case, actor=world["community_staff"], count=2, points=150)
    with django_capture_on_commit_callbacks(execute=True):
        task_services.offer_accept(offer=offers[0], user=volunteers["near"])
    # then the case's grid hears of both steps, by the case's id (the offers' own events are
    # tasks_app's, sent for every offer however it was made)
    records = [json.loads(record) for record in _records(log)]
    sent = [(r["event"], r["aud"], r["data"]["type"], r["data"]["id"]) for r in records if r["event"] == "case"]
    assert sent == [
        ("case", [f"g:{sos_case.grid_id}"], "case.dispatched", sos_case.id),
        ("case", [f"g:{sos_case.grid_id}"], "case.dispatch_accepted", sos_case.id),
    ]


def _records(log) -> list[str]:
    return [record for _id, record in log.after((0, 0))]
