"""HTML injection on the staff map (issue 13, hole 4): a citizen's display name is markup only to an
attacker. The staff map's popups show it as the literal text it is, and nothing in it runs."""

from datetime import UTC

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tasks_app import services
from tests.conftest import SITE, browser_login, open_patrol, screenshot, station

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
IMG_NAME = '<img src=x onerror="window.__pwned=1">'
META_NAME = '<meta http-equiv="refresh" content="0;url=/?pwned">'


def open_task(make_user):
    """An open task under way at SITE and its agency's staff member."""
    agency, staff = station(make_user)
    task = open_patrol(agency, staff, title="Night safety patrol", description="Walk the lanes.", points=100)
    return task, staff


def test_display_names_with_markup_are_plain_text_in_the_staff_map_popups(new_page, make_user, password) -> None:
    # given an open task, its agency's staff, and two citizens whose display names are markup,
    # each with a check-in on the site a few metres apart
    task, staff = open_task(make_user)
    for offset, name in ((0.0007, IMG_NAME), (-0.0007, META_NAME)):  # 70 m east and west of the pin
        citizen = make_user(display_name=name)
        claim = services.claim_create(task=task, user=citizen)
        services.checkin_record(
            claim=claim, kind="in", lat=SITE[0], lon=SITE[1] + offset, accuracy_m=5, recorded_at=timezone.now()
        )

    # when the staff member opens the task's map and each fix's popup
    desk = new_page(locale="en-US", viewport=DESKTOP)
    browser_login(desk, staff.email, password)
    desk.goto(f"/staff/tasks/{task.id}/")
    url = desk.url
    markers = desk.locator("#staff-map path.leaflet-interactive")
    expect(markers).to_have_count(3)  # the geofence and the two fixes
    shown = []
    for index in (1, 2):
        markers.nth(index).click(force=True)
        popup = desk.locator(".leaflet-popup-content")
        expect(popup).to_have_count(1)
        # then the popup holds the name as text: no element was made from it
        assert popup.locator("img, meta").count() == 0
        shown.append(popup.inner_text().split(" · ")[0])
        assert desk.locator(".leaflet-popup-pane img, .leaflet-popup-pane meta").count() == 0
        assert desk.locator('img[src="x"], meta[http-equiv="refresh"]').count() == 0
        if index == 1:
            screenshot(desk, "tasks-staff-map-popup-markup-name")
        desk.keyboard.press("Escape")

    # and both names read exactly as typed, nothing ran and the page did not go anywhere
    assert sorted(shown) == sorted([IMG_NAME, META_NAME])
    desk.wait_for_timeout(1500)  # a refresh of 0 s would have left by now
    assert desk.evaluate("typeof window.__pwned") == "undefined"
    assert desk.url == url


def test_a_fix_popup_tells_the_city_time_and_the_kind_and_flags_in_the_pages_language(
    new_page, make_user, password
) -> None:
    # given a check-in with poor accuracy, recorded at a known moment
    task, staff = open_task(make_user)
    citizen = make_user(display_name="Xiao Li")
    claim = services.claim_create(task=task, user=citizen)
    checkin = services.checkin_record(
        claim=claim, kind="in", lat=SITE[0], lon=SITE[1] + 0.0007, accuracy_m=120, recorded_at=timezone.now()
    )
    city_time = timezone.localtime(checkin.received_at).strftime("%H:%M:%S")  # Asia/Shanghai
    assert city_time != checkin.received_at.astimezone(UTC).strftime("%H:%M:%S")

    # when the staff member opens its popup in a browser whose clock is on UTC, in Chinese
    desk = new_page(locale="zh-CN", viewport=DESKTOP)
    browser_login(desk, staff.email, password)
    desk.goto(f"/staff/tasks/{task.id}/")
    markers = desk.locator("#staff-map path.leaflet-interactive")
    expect(markers).to_have_count(2)
    errors = []
    desk.on("pageerror", lambda error: errors.append(str(error)))
    markers.nth(1).click(force=True)

    # then it reads the city's time, 签到 and the flag's name, never a code
    expect(desk.locator(".leaflet-popup-content")).to_have_text(f"Xiao Li · 签到 · {city_time} · ±120 m · 定位精度差")
    screenshot(desk, "tasks-staff-map-popup-city-time-zh")
    assert errors == []
