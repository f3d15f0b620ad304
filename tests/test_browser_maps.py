"""Maps at phone size (issue 20 item 7), against a local tile server (tests/tileserver.py): the
geofence and the credits stay under the bottom navigation; the on-site map fits the volunteer and
the meeting point together and draws the way between them with its length; with Chinese tiles
(GCJ-02) what is drawn is shifted so it stands where it is on those tiles; when tiles fail the map
turns plain and still shows the grid outlines, the points and the distance. The public safety
index's heat map is on the same map code (base map, legend, plain view, GCJ-02 shift); the wall map's
own tests are in live/tests/test_browser_wall.py."""

import math
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import GridFactory, box
from engagement import safety_index
from engagement.tests.conftest import IN_WEST, verified_tip
from engagement.tests.conftest import world as world  # the fixture, shared with the app tests
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
    # given a tile server that answers 503, and the community the meeting point is in
    tile_server.failing = True
    tiles_from(settings, tile_server)
    community = GridFactory(
        code="m-guxi", name="Guxi community", level="community", boundary=box(26.076, 119.296, 26.086, 119.306)
    )
    # when the volunteer opens the on-site page
    phone, _task = on_site_page(new_page, make_user, password)
    # then the map turns plain (a graticule), says so, and still draws the geofence, the volunteer, the
    # way and its length, over the outline of the community
    expect(phone.locator("#task-map")).to_have_attribute("data-tile-state", "failed")
    expect(phone.locator("#task-map.map-plain")).to_have_count(1)
    ground = phone.locator("#task-map").evaluate("(node) => getComputedStyle(node).backgroundImage")
    assert ground.startswith("repeating-linear-gradient")
    outline = phone.locator("#task-map [data-testid=map-grid]")
    expect(outline).to_have_count(1)
    expect(outline).to_have_attribute("data-grid", community.name)
    pin = phone.locator("#task-map .leaflet-marker-icon").bounding_box()
    assert inside(pin, outline.bounding_box())
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


def heat_world(world, make_user) -> dict:
    """Six accepted tips in one cell of the West community: one published cell (k = 5)."""
    reporter = make_user()
    for n in range(6):
        verified_tip(
            world,
            reporter,
            category="urban_management",
            at=(IN_WEST[0] + 0.0003 * n, IN_WEST[1]),
            verify=False,
            accept=True,
        )
    index = safety_index.safety_index(period="half_year")
    assert len(index["heat"]) == 1
    return index["heat"][0]


def test_with_tiles_failing_the_safety_index_shows_the_community_outlines_and_its_cells_on_a_plain_ground(
    world, make_user, new_page, settings, tile_server
) -> None:
    # given one published cell in the West community and a tile server that answers 503
    cell = heat_world(world, make_user)
    tile_server.failing = True
    tiles_from(settings, tile_server)
    # when anyone opens the safety index on a phone
    phone = new_page(locale="zh-CN")
    phone.goto("/safety-index/")
    node = phone.get_by_test_id("heat-map")
    # then the heat map turns plain, says so, and draws both communities' outlines and the cell in West
    expect(node).to_have_attribute("data-tile-state", "failed")
    expect(node.get_by_test_id("map-plain-note")).to_have_text("地图底图无法加载：在空白底图上显示各点和距离。")
    assert node.evaluate("(n) => getComputedStyle(n).backgroundImage").startswith("repeating-linear-gradient")
    outlines = node.get_by_test_id("map-grid")
    expect(outlines).to_have_count(2)
    assert sorted(outlines.nth(n).get_attribute("data-grid") for n in range(2)) == ["East community", "West community"]
    expect(node.locator(".map-grid-name")).to_have_text(["East community", "West community"])  # by name
    drawn = node.get_by_test_id("heat-cell")
    expect(drawn).to_have_count(1)
    expect(drawn).to_have_attribute("data-count", str(cell["count"]))
    mapbox = node.bounding_box()
    west = node.locator("[data-testid=map-grid][data-grid='West community']").bounding_box()
    assert inside(west, mapbox)
    assert inside(drawn.bounding_box(), west)
    # and the legend says what a cell's shade means
    expect(phone.get_by_test_id("heat-legend-high")).to_have_text("6")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "maps-safety-index-plain-phone")


def test_a_grid_name_with_markup_is_plain_text_on_the_map(world, make_user, new_page, settings, tile_server) -> None:
    # given a community whose name is markup (grid names come from staff and imports)
    from accounts.models import Grid

    heat_world(world, make_user)
    tiles_from(settings, tile_server)
    markup = '<img src=x onerror="window.__pwned=1">East'
    Grid.objects.filter(name="East community").update(name=markup)
    # when anyone opens the safety index
    phone = new_page(locale="en-US")
    phone.goto("/safety-index/")
    # then the outline's label holds the name as the text it is: no element was made from it
    labels = phone.locator("#heat-map .map-grid-name")
    expect(labels).to_have_text([markup, "West community"])
    assert phone.locator("#heat-map img[src='x']").count() == 0
    assert phone.evaluate("() => window.__pwned === undefined") is True


@pytest.mark.parametrize("coordinates", ["wgs84", "gcj02"])
def test_with_chinese_tiles_the_safety_index_draws_its_cells_shifted_to_gcj02(
    world, make_user, new_page, settings, tile_server, coordinates
) -> None:
    # given one published cell and tiles in WGS84 or in GCJ-02
    cell = heat_world(world, make_user)
    tiles_from(settings, tile_server, coordinates)
    # when anyone opens the safety index on a phone
    phone = new_page(locale="en-US")
    phone.goto("/safety-index/")
    drawn = phone.get_by_test_id("heat-cell")
    # then the cell's centre is drawn where its WGS84 position is on those tiles
    expected = wgs_to_gcj(cell["lat"], cell["lon"]) if coordinates == "gcj02" else (cell["lat"], cell["lon"])
    expect(drawn).to_have_attribute("data-drawn-lat", f"{expected[0]:.6f}")
    expect(drawn).to_have_attribute("data-drawn-lon", f"{expected[1]:.6f}")
    assert float(drawn.get_attribute("data-lat")) == cell["lat"]
    # over a base map of tiles that loaded, with their credit, above the bottom navigation
    node = phone.get_by_test_id("heat-map")
    expect(node).not_to_have_class("map-plain")
    expect(node.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap")
    assert tile_server.requests > 0
    assert int(node.get_attribute("data-tiles_loaded")) > 0
    if coordinates == "gcj02":
        screenshot(phone, "maps-safety-index-gcj02-phone")
