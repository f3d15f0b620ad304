"""One-tap SOS: the position alone first, then its details and the phone's positions on the same case."""

from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tips.models import CaseEvent, SosPing, Tip, TipPhoto
from tips.tests.conftest import IN_COMMUNITY, jpeg_bytes

pytestmark = pytest.mark.django_db


def one_tap(api, point=IN_COMMUNITY):
    return api.post("/tips", data={"kind": "sos", "lat": point[0], "lon": point[1]})


def test_one_tap_sends_the_position_alone_and_staff_see_it_at_once(world, api_as):
    response = one_tap(api_as(world["citizen"]))
    assert response.status_code == 201, response.content
    tip = Tip.objects.get(pk=response.json()["id"])
    assert (tip.kind, tip.category.code, tip.description, tip.grid_id) == ("sos", "other", "", world["community"].id)
    queue = api_as(world["community_staff"]).get("/cases").json()["items"]
    assert queue[0]["id"] == tip.id


def test_the_details_follow_on_the_same_sos(world, api_as):
    api = api_as(world["citizen"])
    tip_id = one_tap(api).json()["id"]
    photo = SimpleUploadedFile("knife.jpg", jpeg_bytes(gps=True), content_type="image/jpeg")
    # when the reporter adds the category, a few words and a photo
    response = api.post(
        f"/tips/{tip_id}/follow-up",
        data={"category": "fighting", "description": "Two men with knives", "photos": [photo]},
    )
    # then the same case carries them, with a step on the timeline that names no anonymous reporter
    assert response.status_code == 200, response.content
    tip = Tip.objects.get(pk=tip_id)
    assert (tip.category.code, tip.description) == ("fighting", "Two men with knives")
    assert TipPhoto.objects.filter(tip=tip).count() == 1
    step = CaseEvent.objects.get(tip=tip, action="sos_update")
    assert (step.actor_id, step.data) == (
        world["citizen"].id,
        {"category": "fighting", "text_added": True, "photos": 1},
    )
    # a second note is appended, the category kept
    api.post(f"/tips/{tip_id}/follow-up", data={"description": "They ran north"})
    assert Tip.objects.get(pk=tip_id).description == "Two men with knives\nThey ran north"
    # nothing at all is refused with 422, an unknown category too
    assert api.post(f"/tips/{tip_id}/follow-up", data={}).status_code == 422
    assert api.post(f"/tips/{tip_id}/follow-up", data={"category": "nope"}).json()["code"] == "unknown_category"


def test_pings_show_staff_where_the_reporter_is_now(world, api_as):
    api = api_as(world["citizen"])
    tip_id = one_tap(api).json()["id"]
    for step in range(3):
        answer = api.post(f"/tips/{tip_id}/pings", {"lat": 26.07 + step / 1000, "lon": 119.25, "accuracy_m": 12})
        assert answer.status_code == 201, answer.content
    tip = Tip.objects.get(pk=tip_id)
    until = datetime.fromisoformat(answer.json()["pings_until"])
    assert abs(until - (tip.created_at + timedelta(minutes=10))) < timedelta(milliseconds=1)
    positions = api_as(world["community_staff"]).get(f"/cases/{tip_id}").json()["sos_positions"]
    assert [p["lat"] for p in positions] == [26.072, 26.071, 26.07]


def test_pings_and_details_stop_when_their_window_is_over_or_the_case_closed(world, api_as):
    api = api_as(world["citizen"])
    tip_id = one_tap(api).json()["id"]
    # 11 minutes later: no more pings, details still (30 minutes)
    Tip.objects.filter(pk=tip_id).update(created_at=timezone.now() - timedelta(minutes=11))
    late = api.post(f"/tips/{tip_id}/pings", {"lat": 26.07, "lon": 119.25})
    assert (late.status_code, late.json()["code"]) == (409, "sos_closed")
    assert api.post(f"/tips/{tip_id}/follow-up", data={"description": "Still here"}).status_code == 200
    Tip.objects.filter(pk=tip_id).update(created_at=timezone.now() - timedelta(minutes=31))
    assert api.post(f"/tips/{tip_id}/follow-up", data={"description": "Later"}).json()["code"] == "sos_closed"
    # a closed case takes nothing either
    fresh = one_tap(api).json()["id"]
    Tip.objects.filter(pk=fresh).update(status="rejected")
    assert api.post(f"/tips/{fresh}/pings", {"lat": 26.07, "lon": 119.25}).json()["code"] == "sos_closed"
    assert SosPing.objects.count() == 0


def test_only_the_reporter_adds_to_an_sos_and_only_to_an_sos(world, api_as, submit):
    tip_id = one_tap(api_as(world["citizen"])).json()["id"]
    other = api_as(world["citizen2"])
    assert other.post(f"/tips/{tip_id}/pings", {"lat": 26.07, "lon": 119.25}).status_code == 404
    assert other.post(f"/tips/{tip_id}/follow-up", data={"description": "x"}).status_code == 404
    ordinary = submit(world["citizen"]).json()["id"]
    assert api_as(world["citizen"]).post(f"/tips/{ordinary}/pings", {"lat": 26.07, "lon": 119.25}).status_code == 404
    # an ordinary tip still needs its category
    refused = api_as(world["citizen"]).post("/tips", data={"lat": 26.07, "lon": 119.25, "description": "x"})
    assert (refused.status_code, refused.json()["code"]) == (422, "unknown_category")


def test_pings_are_rate_limited(world, api_as, settings):
    settings.FUBI_RATE_LIMITS = {**settings.FUBI_RATE_LIMITS, "sos_pings": "2/m"}
    api = api_as(world["citizen"])
    tip_id = one_tap(api).json()["id"]
    statuses = [api.post(f"/tips/{tip_id}/pings", {"lat": 26.07, "lon": 119.25}).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    assert SosPing.objects.count() == 2
