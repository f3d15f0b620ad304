"""Maps at phone size (issue 20 item 7), against a local tile server (tests/tileserver.py): the
geofence and the credits stay under the bottom navigation; the on-site map fits the volunteer and
the meeting point together and draws the way between them with its length; with Chinese tiles
(GCJ-02) what is drawn is shifted so it stands where it is on those tiles; when tiles fail the map
turns plain and still shows the points and the distance."""

import math
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login, screenshot
from tests.test_browser_claim_next import SITE, make_task
from tests.tileserver import TileServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEARBY = {"latitude": 26.0830, "longitude": 119.3000}  # about 330 m north of the meeting point


def wgs_to_gcj(lat: float, lon: float) -> tuple[float, float]:
    """The published GCJ-02 formula, written again here to hold the page's to it."""
    a, ee = 6378245.0, 0.00669342162296594323
    x, y = lon - 105.0, lat - 35.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat += common + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lon += common + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(rad) ** 2
    d_lat = (d_lat * 180.0) / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * math.pi)
    d_lon = (d_lon * 180.0) / (a / math.sqrt(magic) * math.cos(rad) * math.pi)
    return lat + d_lat, lon + d_lon


def tiles_from(settings, server: TileServer, coordinates: str = "wgs84") -> None:
    settings.FUBI_TILE_URL = server.url
    settings.FUBI_TILE_COORDINATES = coordinates
    policy = {**settings.CONTENT_SECURITY_POLICY}
    policy["DIRECTIVES"] = {**policy["DIRECTIVES"], "img-src": ["'self'", "data:", "blob:", server.origin]}
    settings.CONTENT_SECURITY_POLICY = policy


@pytest.fixture
def tile_server() -> Iterator[TileServer]:
    server = TileServer()
    yield server
    server.close()


def on_site_page(new_page, make_user, password, geolocation=NEARBY):
    task = make_task(make_user, starts_in=timedelta(minutes=-5), radius_m=150)
    citizen = make_user(display_name="Xiao Zhang")
    from tasks_app import services

    services.claim_create(task=task, user=citizen)
    phone = new_page(locale="zh-CN", geolocation=geolocation)
    browser_login(phone, citizen.email, password)
    phone.goto(f"/tasks/{task.id}/onsite/")
    return phone, task


def inside(box: dict, outer: dict) -> bool:
    return (
        box["x"] >= outer["x"] - 1
        and box["y"] >= outer["y"] - 1
        and box["x"] + box["width"] <= outer["x"] + outer["width"] + 1
        and box["y"] + box["height"] <= outer["y"] + outer["height"] + 1
    )


def test_the_on_site_map_fits_me_and_the_meeting_point_and_stays_under_the_navigation(
    new_page, make_user, password, settings, tile_server
) -> None:
    # given tiles that load and a volunteer 330 m from the meeting point
    tiles_from(settings, tile_server)
    phone, _task = on_site_page(new_page, make_user, password)
    # when the on-site page has the position
    distance = phone.locator(".map-distance")
    expect(distance).to_have_text("334 m")
    # then the map shows both the volunteer and the meeting point (and the way between them)
    mapbox = phone.locator("#task-map").bounding_box()
    me = phone.locator("#task-map path.leaflet-interactive").nth(1).bounding_box()  # after the geofence
    pin = phone.locator("#task-map .leaflet-marker-icon").bounding_box()
    assert inside(me, mapbox)
    assert inside(pin, mapbox)
    assert tile_server.requests > 0
    expect(phone.locator("#task-map")).not_to_have_class("map-plain")
    # and scrolled so the map runs under the bottom navigation, the navigation stays on top of it
    phone.evaluate("() => window.scrollTo(0, 0)")
    nav = phone.locator(".bottomnav").bounding_box()
    top_of_map = phone.locator("#task-map").bounding_box()["y"]
    phone.evaluate("(y) => window.scrollTo(0, y)", max(0, top_of_map - (nav["y"] - 120)))
    mapbox = phone.locator("#task-map").bounding_box()
    assert mapbox["y"] < nav["y"] < mapbox["y"] + mapbox["height"]  # the map reaches under the navigation
    for x in (nav["x"] + 20, nav["x"] + nav["width"] / 2, nav["x"] + nav["width"] - 20):
        on_top = phone.evaluate(
            "([x, y]) => document.elementFromPoint(x, y).closest('.bottomnav') !== null", [x, nav["y"] + 10]
        )
        assert on_top is True
    screenshot(phone, "maps-onsite-fit-phone")


def test_when_tiles_fail_the_map_is_plain_and_still_shows_the_points_and_the_distance(
    new_page, make_user, password, settings, tile_server
) -> None:
    # given a tile server that answers 503
    tile_server.failing = True
    tiles_from(settings, tile_server)
    # when the volunteer opens the on-site page
    phone, _task = on_site_page(new_page, make_user, password)
    # then the map turns plain, says so, and still draws the geofence, the volunteer, the way and its length
    expect(phone.locator("#task-map")).to_have_attribute("data-tile-state", "failed")
    expect(phone.locator("#task-map.map-plain")).to_have_count(1)
    expect(phone.get_by_test_id("map-plain-note")).to_have_text("地图底图无法加载：在空白底图上显示各点和距离。")
    expect(phone.locator(".map-distance")).to_have_text("334 m")
    expect(phone.locator("#task-map path.leaflet-interactive")).to_have_count(3)
    expect(phone.get_by_test_id("distance")).to_have_text("334 m")
    screenshot(phone, "maps-onsite-plain-phone")


@pytest.mark.parametrize("coordinates", ["wgs84", "gcj02"])
def test_chinese_tiles_shift_what_is_drawn_to_gcj02(
    new_page, make_user, password, settings, tile_server, coordinates
) -> None:
    # given tiles in WGS84 (OpenStreetMap, the default) or in GCJ-02 (a Chinese provider)
    tiles_from(settings, tile_server, coordinates)
    task = make_task(make_user, starts_in=timedelta(hours=3))
    phone = new_page(locale="en-US")
    browser_login(phone, make_user().email, password)
    # when the task's page draws its meeting point
    phone.goto(f"/tasks/{task.id}/")
    node = phone.locator("#task-map")
    expect(node).to_have_attribute(
        "data-drawn-lat", "%.6f" % (wgs_to_gcj(*SITE)[0] if coordinates == "gcj02" else SITE[0])
    )
    # then it is drawn where it is on those tiles: shifted by the GCJ-02 offset for Chinese ones
    drawn = (float(node.get_attribute("data-drawn-lat")), float(node.get_attribute("data-drawn-lon")))
    expected = wgs_to_gcj(*SITE) if coordinates == "gcj02" else SITE
    assert drawn == pytest.approx(expected, abs=2e-6)
    shift_m = math.hypot(
        (drawn[0] - SITE[0]) * 111_320, (drawn[1] - SITE[1]) * 111_320 * math.cos(math.radians(SITE[0]))
    )
    assert (300 < shift_m < 700) if coordinates == "gcj02" else shift_m == 0
    # and a tap on the map comes back as WGS84 (the page's own inverse)
    back = phone.evaluate("([a, b]) => window.FubiMap.fromMap(a, b)", list(drawn))
    assert back == pytest.approx(SITE, abs=1e-6)
