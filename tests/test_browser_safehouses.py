"""/safe-houses/ at phone size: the list nearest first with "open now" and the Leaflet map."""

import io
from datetime import time, timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from accounts.services import agency_membership_add
from accounts.tests.factories import AgencyFactory
from safehouses.models import DutyShift, OpeningHours, RollCall, RollCallStatus, SafeHouse
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HERE = {"latitude": 26.0800, "longitude": 119.3000}


def test_safe_house_map_lists_nearest_first_with_open_now(new_page, settings) -> None:
    # given three safe houses: a 24-hour one 1.1 km away, one never open 0.3 km away, one 2.2 km away
    settings.FUBI_TILE_URL = "data:,"  # no tile server in tests: the map draws its markers without tiles
    station = AgencyFactory(name="Browser Police Station")

    def house(name: str, dlat: float, is_24h: bool) -> SafeHouse:
        return SafeHouse.objects.create(
            name_zh=name,
            lat=HERE["latitude"] + dlat,
            lon=HERE["longitude"],
            address=f"{name} 路 1 号",
            phone="0591-87000110",
            is_24h=is_24h,
            agency=station,
        )

    far = house("西湖药店安全屋", 0.02, is_24h=False)
    OpeningHours.objects.create(safe_house=far, weekday=0, opens=time(3), closes=time(3, 1))
    near = house("巷口便利店安全屋", 0.0027, is_24h=False)
    middle = house("鼓西路平安屋", 0.01, is_24h=True)

    # when a phone at HERE opens the page
    page = new_page(locale="zh-CN", geolocation=HERE)
    page.goto("/safe-houses/")
    page.locator("#sh-list[data-loaded=true]").wait_for()

    # then the cards come nearest first, the 24-hour one marked open, with markers on the map
    cards = page.get_by_test_id("sh-card")
    assert [cards.nth(i).get_attribute("data-id") for i in range(cards.count())] == [
        str(near.id),
        str(middle.id),
        str(far.id),
    ]
    assert cards.nth(1).get_by_test_id("sh-open").inner_text() == "现在开放"
    assert cards.nth(0).get_by_test_id("sh-closed").inner_text() == "现在关闭"
    assert cards.nth(0).locator(".sh-distance").inner_text() == "0.3 公里"
    assert page.locator("#sh-map .leaflet-interactive").count() == 4  # three houses and me
    assert page.get_by_test_id("sh-where").inner_text() == "离您最近的优先"
    screenshot(page, "safe-houses-phone")

    # and the open-only switch leaves the open one
    page.get_by_test_id("sh-open-only").check()
    expect(page.get_by_test_id("sh-card")).to_have_count(1)
    assert page.get_by_test_id("sh-card").get_attribute("data-id") == str(middle.id)


def test_station_page_at_desktop_lists_a_missed_roll_call(new_page, make_user) -> None:
    # given a station, its guard's shift and a roll call that went unanswered
    station = AgencyFactory(name="鼓西派出所 Guxi Police Station")
    chief = make_user(display_name="林所长")
    guard = make_user(display_name="王保安")
    for user in (chief, guard):
        agency_membership_add(user=user, agency=station)
    house = SafeHouse.objects.create(
        name_zh="鼓西路平安屋", lat=26.0812, lon=119.2952, address="鼓西路 120 号", is_24h=True, agency=station
    )
    now = timezone.now()
    shift = DutyShift.objects.create(
        safe_house=house,
        guard=guard,
        kind="night",
        starts_at=now - timedelta(hours=3),
        ends_at=now + timedelta(hours=5),
    )
    asked = now - timedelta(minutes=40)
    missed = RollCall.objects.create(
        shift=shift,
        number=1,
        ask_at=asked,
        asked_at=asked,
        due_at=asked + timedelta(minutes=10),
        status=RollCallStatus.MISSED,
    )

    # when the chief opens the station's page on a desktop
    page = new_page(locale="zh-CN", viewport={"width": 1280, "height": 800})
    browser_login(page, chief.email, "correct-horse-battery-9")
    page.goto("/staff/safe-houses/")

    # then the missed roll call is listed with the guard
    row = page.get_by_test_id("sh-missed-row")
    assert row.get_attribute("data-id") == str(missed.id)
    assert "王保安" in row.inner_text()
    screenshot(page, "safe-houses-station-desktop")


def test_guard_answers_a_roll_call_from_the_phone(new_page, make_user, settings, tmp_path) -> None:
    # given a guard on duty asked for a roll call a minute ago
    settings.FUBI_TIPS_PHOTO_ROOT = tmp_path / "tips"
    station = AgencyFactory(name="Duty Police Station")
    guard = make_user(display_name="王保安")
    agency_membership_add(user=guard, agency=station)
    house = SafeHouse.objects.create(
        name_zh="鼓西路平安屋",
        lat=HERE["latitude"],
        lon=HERE["longitude"],
        address="鼓西路 120 号",
        is_24h=True,
        agency=station,
    )
    now = timezone.now()
    shift = DutyShift.objects.create(
        safe_house=house, guard=guard, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=7)
    )
    asked = now - timedelta(minutes=1)
    roll_call = RollCall.objects.create(
        shift=shift, number=1, ask_at=asked, asked_at=asked, due_at=asked + timedelta(minutes=10), status="asked"
    )

    # when the guard opens the duty page at the post, picks a photo and sends it
    page = new_page(locale="zh-CN", geolocation=HERE)
    browser_login(page, guard.email, "correct-horse-battery-9")
    page.goto("/safe-houses/duty/")
    card = page.locator(f"#roll-call-{roll_call.id}")
    card.locator("input[type=file]").set_input_files({"name": "post.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()})
    screenshot(page, "safe-houses-duty-phone")
    card.locator("button[type=submit]").click()

    # then the page says it was sent, and the roll call is answered on site
    expect(card.locator(".sh-answer-result")).to_have_text("已发送，谢谢。")
    roll_call.refresh_from_db()
    assert (roll_call.status, roll_call.distance_m) == (RollCallStatus.ANSWERED, 0)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 30)).save(out, "JPEG")
    return out.getvalue()
