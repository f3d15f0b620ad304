"""GET /api/v1/live on a real ASGI server (uvicorn in a thread, the test database), on both logs:
one process's memory and a Redis stream. Each user sees what their role and organisation allow."""

import json
import queue
import threading
import urllib.request
from urllib.parse import urlencode

import pytest
from django.db import transaction

import live
from live.tests.sse import SseClient
from tasks_app.tests.conftest import SITE

pytestmark = pytest.mark.django_db(transaction=True)


def api_post(server, path: str, token: str, form: dict | None = None, body: dict | None = None) -> dict:
    """POST to the ASGI server's API (a form, or JSON) as the token's user; answers the JSON."""
    headers = {"X-Session-Token": token}
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    else:
        data, headers["Content-Type"] = urlencode(form or {}).encode(), "application/x-www-form-urlencoded"
    url = f"{server.url}/api/v1{path}"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310 - our test server
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 201, response.read()
        return json.loads(response.read())


def marker(grid_or_user: dict) -> int:
    """Publish a `broadcast` to one audience now; its id tells the streams' later frames apart."""
    marker.count += 1
    with transaction.atomic():
        live.publish("broadcast", data={"id": marker.count, "type": "broadcast.test"}, **grid_or_user)
    return marker.count


marker.count = 1000


def events_until(client, marker_id: int) -> list[dict]:
    """Every event before the broadcast `marker_id` (which must come within 2 s)."""
    seen = []
    while True:
        event = client.next_event(timeout=2)
        if event["event"] == "broadcast" and event["data"]["id"] == marker_id:
            return seen
        seen.append(event)


def test_a_citizens_sos_reaches_the_grid_staff_above_it_and_no_other_grid(asgi_server, stream, city):
    # given grid staff of the district holding the SOS's community, and of another district
    tokens = city["tokens"]
    gulou_staff = stream(tokens["gulou_staff"])
    cangshan_staff = stream(tokens["cangshan_staff"])

    # when a citizen sends an SOS from inside the community
    tip = api_post(
        asgi_server,
        "/tips",
        tokens["citizen"],
        form={"category": "other", "lat": SITE[0], "lon": SITE[1], "kind": "sos"},
    )

    # then the district's staff get it within 2 s, by the tip's id, with no reporter in it
    event = gulou_staff.next_event(timeout=2)
    assert event["event"] == "sos"
    assert event["data"]["id"] == tip["id"]
    assert event["data"]["type"] == "sos.submitted"
    assert event["data"]["grid_id"] == city["grids"][1].id
    assert set(event["data"]) == {"id", "type", "at", "status", "kind", "grid_id"}
    # and the other district's staff never do: the next thing they hear is a later event of theirs
    assert events_until(cangshan_staff, marker({"grids": [city["grids"][2]]})) == []


def test_positions_reach_the_tasks_agency_and_grid_staff_never_a_citizen(asgi_server, stream, city):
    from tasks_app import services as task_services

    tokens, users = city["tokens"], city["users"]
    officer, gulou_staff = stream(tokens["officer"]), stream(tokens["gulou_staff"])
    volunteer, citizen = stream(tokens["volunteer"]), stream(tokens["citizen"])
    claim = task_services.claim_create(task=city["task"], user=users["volunteer"])

    # when the volunteer checks in on site through the API, then pings from a few metres away
    for kind, lon in (("in", SITE[1]), ("ping", SITE[1] + 0.0003)):
        api_post(
            asgi_server,
            f"/claims/{claim.id}/checkins",
            tokens["volunteer"],
            body={"kind": kind, "lat": SITE[0], "lon": lon, "accuracy_m": 5, "recorded_at": _now()},
        )

    # then the agency's staff and the grid's staff see both fixes, in order
    for staff in (officer, gulou_staff):
        fixes = [
            e
            for e in events_until(staff, marker({"grids": [city["grids"][1]], "agencies": [city["agency"]]}))
            if e["event"] == "position"
        ]
        assert [(f["data"]["type"], f["data"]["id"], f["data"]["lon"]) for f in fixes] == [
            ("position.in", claim.id, SITE[1]),
            ("position.ping", claim.id, SITE[1] + 0.0003),
        ]
        assert fixes[0]["data"]["status"] == "checked_in"
    # and neither the volunteer nor another citizen ever gets a position
    for person in ("volunteer", "citizen"):
        client = volunteer if person == "volunteer" else citizen
        seen = events_until(client, marker({"users": [users[person]]}))
        assert [e["event"] for e in seen if e["event"] == "position"] == []


def test_a_citizen_hears_of_their_own_inbox_and_offers_only(stream, city):
    users = city["users"]
    citizen = stream(city["tokens"]["citizen"])
    with transaction.atomic():
        live.publish("inbox", data={"id": 7}, users=[users["volunteer"]])  # someone else's
        live.publish("inbox", data={"id": 8}, users=[users["citizen"]])
        live.publish("offer", data={"id": 9}, users=[users["citizen"]])
        live.publish("case", data={"id": 10}, grids=[city["grids"][0]], agencies=[city["agency"]])
    seen = events_until(citizen, marker({"users": [users["citizen"]]}))
    assert [(e["event"], e["data"]["id"]) for e in seen] == [("inbox", 8), ("offer", 9)]


def test_last_event_id_resumes_with_what_was_missed_exactly_once(stream, city):
    staff = city["users"]["gulou_staff"]
    token = city["tokens"]["gulou_staff"]
    guxi = city["grids"][1]

    def case(n: int) -> None:
        with transaction.atomic():
            live.publish("case", data={"id": n}, grids=[guxi])

    first = stream(token)
    case(1)
    seen = first.next_event()
    first.close()
    # while the staff member is away, two cases come in
    case(2)
    case(3)
    # when the stream reconnects with the id of the last event it got
    again = stream(token, headers={"Last-Event-ID": seen["id"]})
    case(4)
    first_marker = marker({"users": [staff]})
    got = events_until(again, first_marker)
    # then it gets the two it missed and the new one, each once, in order
    assert [e["data"]["id"] for e in got] == [2, 3, 4]
    ids = [seen["id"]] + [e["id"] for e in got]
    assert ids == sorted(ids, key=lambda i: tuple(int(p) for p in i.split("-")))
    assert len(set(ids)) == 4
    # and a client that reconnects by itself passes the id in the query string
    manual = stream(token, query=f"last_event_id={seen['id']}")
    assert [e["data"]["id"] for e in events_until(manual, marker({"users": [staff]}))] == [2, 3, 4, first_marker]


def test_streams_opened_together_each_get_an_event_once(stream, city):
    # given five streams of one staff member opened at the same moment (a fresh server: one reader)
    token, staff = city["tokens"]["gulou_staff"], city["users"]["gulou_staff"]
    clients: list = []
    threads = [threading.Thread(target=lambda: clients.append(stream(token))) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # when one case comes in
    with transaction.atomic():
        live.publish("case", data={"id": 77}, grids=[city["grids"][1]])
    # then each stream hears it exactly once
    last = marker({"users": [staff]})
    for client in clients:
        assert [e["data"]["id"] for e in events_until(client, last)] == [77]


@pytest.mark.parametrize("live_log", ["memory"], indirect=True)
def test_heartbeats_keep_an_idle_stream_open(stream, city):
    client = stream(city["tokens"]["citizen"])
    assert client.comments.get(timeout=2) == "heartbeat"
    assert client.comments.get(timeout=2) == "heartbeat"
    with pytest.raises(queue.Empty):
        client.next_event(timeout=0.1)


@pytest.mark.parametrize("live_log", ["memory"], indirect=True)
def test_no_session_or_a_wrong_one_is_401_in_the_api_error_shape(stream, city):
    for token in (None, "not-a-session"):
        client = stream(token)
        assert client.status == 401
        assert client.body["code"] == "not_authenticated"


def test_a_stream_on_another_server_gets_the_event_through_redis(redis_servers, city):
    # given a grid staff member's stream on the second server
    first, second = redis_servers
    staff = SseClient(second.url, token=city["tokens"]["gulou_staff"])
    try:
        # when a citizen's SOS is sent to the first one
        tip = api_post(
            first,
            "/tips",
            city["tokens"]["citizen"],
            form={"category": "other", "lat": SITE[0], "lon": SITE[1], "kind": "sos"},
        )
        # then it reaches the stream on the second
        event = staff.next_event(timeout=2)
        assert (event["event"], event["data"]["id"]) == ("sos", tip["id"])
    finally:
        staff.close()


def _now() -> str:
    from django.utils import timezone

    return timezone.now().isoformat()
