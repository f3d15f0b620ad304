"""Floods of tips, SOS alerts and photos: per-user and per-address limits answer 429 rate_limited with
Retry-After; oversized photos and too many files answer 413 before anything is stored."""

import logging

import pytest
from django.core import mail
from django.test import Client, override_settings

from tips.models import Tip
from tips.tests.conftest import jpeg_bytes, png_bomb_bytes, stored_files, tip_form, upload

pytestmark = pytest.mark.django_db
ENGLISH = {"Accept-Language": "en"}  # the messages are compared in English


@pytest.fixture
def submit(api_as):
    """submit(user, **form) → the POST /tips response (multipart, in English)."""

    def run(user, photos=(), **form_fields):
        data = tip_form(**form_fields)
        if photos:
            data["photos"] = list(photos)
        return api_as(user).post("/tips", data=data, headers=ENGLISH)

    return run


def assert_rate_limited(response, *, limit: int, period_seconds: int) -> None:
    """429 rate_limited, with Retry-After (seconds, within the window) equal to details.retry_after."""
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "rate_limited"
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= period_seconds
    assert body["details"] == {"retry_after": retry_after, "limit": limit, "period_seconds": period_seconds}


def test_the_eleventh_tip_in_an_hour_is_refused_with_retry_after(world, submit) -> None:
    # given a citizen who sent ten tips this hour
    assert [submit(world["citizen"]).status_code for _ in range(10)] == [201] * 10
    # when they send an eleventh
    response = submit(world["citizen"])
    # then it is refused, says when to come back, and nothing is stored
    assert_rate_limited(response, limit=10, period_seconds=3600)
    assert response.json()["message"].startswith("You have sent too many tips in a short time. Try again in ")
    assert Tip.objects.filter(reporter=world["citizen"]).count() == 10
    # and another citizen is not affected
    assert submit(world["citizen2"]).status_code == 201


def test_an_sos_flood_stops_after_three_and_mails_no_more_staff(
    world, submit, django_capture_on_commit_callbacks
) -> None:
    # given a citizen who sends SOS after SOS (each one mails every staff member up the chain: 2 here)
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [submit(world["citizen"], kind="sos", category="fighting").status_code for _ in range(3)]
        fourth = submit(world["citizen"], kind="sos", category="fighting")
    # then three went through, the fourth is refused with the emergency number, and six mails were sent
    assert statuses == [201, 201, 201]
    assert_rate_limited(fourth, limit=3, period_seconds=3600)
    assert "In an emergency, call 110." in fourth.json()["message"]
    assert Tip.objects.filter(kind="sos").count() == 3
    assert len(mail.outbox) == 6


def test_ten_ordinary_tips_never_stand_between_a_citizen_and_an_sos(world, submit) -> None:
    # given a citizen at the tips limit
    for _ in range(10):
        submit(world["citizen"])
    assert submit(world["citizen"]).status_code == 429
    # when they send an SOS
    response = submit(world["citizen"], kind="sos", category="fighting")
    # then it goes through: SOS counts on its own budget
    assert response.status_code == 201


def test_the_page_form_counts_against_the_same_limit(world, submit) -> None:
    # given a citizen who sent ten tips through the API
    for _ in range(10):
        submit(world["citizen"])
    # when they send one more through the phone page
    browser = Client()
    browser.force_login(world["citizen"])
    response = browser.post("/tips/new/", tip_form(), headers=ENGLISH)
    # then the page answers 429 with Retry-After and says why
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert "You have sent too many tips in a short time." in response.content.decode()
    assert Tip.objects.count() == 10


def test_many_accounts_behind_one_address_meet_the_per_address_limit(settings, world, make_user, api_as) -> None:
    # given a per-address limit of 3 an hour (300 by default) and one trusted proxy
    settings.FUBI_TRUSTED_PROXY_COUNT = 1
    settings.FUBI_RATE_LIMITS = {**settings.FUBI_RATE_LIMITS, "tips_per_address": "3/h"}
    farm = [make_user() for _ in range(4)]
    behind_one_address = {"X-Forwarded-For": "203.0.113.50"}
    # when four accounts send a tip each from the same address
    statuses = [api_as(user).post("/tips", data=tip_form(), headers=behind_one_address).status_code for user in farm]
    # then the fourth is refused, while an account at another address goes through
    assert statuses == [201, 201, 201, 429]
    elsewhere = api_as(world["citizen"]).post("/tips", data=tip_form(), headers={"X-Forwarded-For": "198.51.100.7"})
    assert elsewhere.status_code == 201


def test_the_limiter_fails_open_when_its_cache_is_down(world, api_as, caplog) -> None:
    # given a signed-in citizen, and then the cache (Redis) goes away
    client = api_as(world["citizen"])
    down = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    with override_settings(CACHES=down), caplog.at_level(logging.WARNING, logger="core.ratelimit"):
        # when they send a tip
        response = client.post("/tips", data=tip_form())
    # then it is accepted, and the uncounted request is logged
    assert response.status_code == 201
    warnings = [record.getMessage() for record in caplog.records if record.name == "core.ratelimit"]
    assert warnings == [
        f"Rate limit tips for user:{world['citizen'].pk} not counted: the cache failed",
        "Rate limit tips_per_address for ip:127.0.0.1 not counted: the cache failed",
    ]


def test_a_60_megapixel_photo_is_refused_413_before_it_is_decoded(world, submit) -> None:
    # given a PNG of a few hundred bytes whose header claims 10,000 × 6,000 pixels
    bomb = png_bomb_bytes(10_000, 6_000)
    assert len(bomb) < 1000
    # when it is sent as a tip's photo
    response = submit(world["citizen"], photos=[upload(bomb, "big.png", "image/png")])
    # then 413 image_too_large names the cap (what a phone camera makes) and nothing is stored
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "image_too_large"
    assert body["details"] == {"photo": 0, "max_pixels": 50_000_000, "width": 10_000, "height": 6_000}
    assert (Tip.objects.count(), stored_files()) == (0, [])


def test_seven_files_under_any_field_names_are_refused_413(world, api_as) -> None:
    # given one photo in `photos` and six more files under other names (which the API would ignore
    # but Django would still receive and spool)
    data = {**tip_form(), "photos": [upload(jpeg_bytes())]}
    data.update({f"extra{n}": upload(jpeg_bytes()) for n in range(6)})
    # when they are posted in one request
    response = api_as(world["citizen"]).post("/tips", data=data)
    # then 413 too_many_photos, nothing stored
    assert response.status_code == 413
    assert response.json()["code"] == "too_many_photos"
    assert response.json()["details"] == {"max_files": 6}
    assert (Tip.objects.count(), stored_files()) == (0, [])


def test_seven_photos_through_the_page_form_are_refused_413(world) -> None:
    browser = Client()
    browser.force_login(world["citizen"])
    seven = [upload(jpeg_bytes()) for _ in range(7)]
    response = browser.post("/tips/new/", {**tip_form(), "photos": seven}, headers=ENGLISH)
    assert response.status_code == 413
    assert response.content.decode() == "At most 6 photos can be sent in one request."
    assert Tip.objects.count() == 0


def test_a_body_larger_than_the_request_cap_is_refused_unread(world, api_as, settings) -> None:
    # given a request cap of 50,000 bytes (six photos and the form by default)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000
    big = jpeg_bytes() + b"\0" * 60_000
    # when a larger body arrives (files are not counted by Django's own cap)
    response = api_as(world["citizen"]).post("/tips", data={**tip_form(), "photos": [upload(big)]})
    # then it is refused by its Content-Length, before anything is read
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert response.json()["details"] == {"max_bytes": 50_000}
    assert Tip.objects.count() == 0
