"""The command centre's wall map at 1920×1080 on a real ASGI server: a volunteer's marker moves when
their phone's fix arrives, a new SOS appears, and the page says when its stream drops and comes
back — all without a reload. It is the shared map (static/js/fubi-maps.js): with tiles failing it
shows the grid outlines and the points on a plain background; with Chinese tiles (GCJ-02) what it
draws is shifted (tests/tileserver.py stands for the tile server)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from live.hub import _hubs
from tasks_app import services as task_services
from tasks_app.tests.conftest import SITE
from tests.conftest import browser_login, screenshot
from tests.test_browser_maps import inside, tiles_from, wgs_to_gcj
from tests.tileserver import TileServer
from tips import services as tip_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WALL = {"width": 1920, "height": 1080}


@pytest.fixture
def wall_page(browser, asgi_server, settings):
    settings.FUBI_TILE_URL = "data:,"  # no tile server in tests: the map draws its layers on a plain ground
    context = browser.new_context(viewport=WALL, locale="zh-CN", base_url=asgi_server.url, device_scale_factor=1)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def fix(claim, kind: str, lon: float) -> None:
    task_services.checkin_record(claim=claim, kind=kind, lat=SITE[0], lon=lon, accuracy_m=5, recorded_at=timezone.now())


@pytest.mark.parametrize("live_log", ["memory"], indirect=True)
def test_the_wall_map_moves_a_volunteer_and_shows_a_new_sos_without_reload(wall_page, asgi_server, city, password):
    # given a volunteer on duty on the agency's task, with a fix ten minutes old and one now
    users = city["users"]
    claim = task_services.claim_create(task=city["task"], user=users["volunteer"])
    fix(claim, "in", SITE[1])
    # and an open case in the grid whose clock runs
    case = tip_services.tip_submit(
        reporter=users["citizen"],
        category_code="other",
        description="路灯坏了",
        lat=SITE[0] + 0.004,
        lon=SITE[1] - 0.004,
    )
    page = wall_page
    browser_login(page, users["gulou_staff"].email, password)
    navigations = []
    page.goto("/staff/live/")
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    status = page.get_by_test_id("live-status")
    expect(status).to_have_attribute("data-state", "live")
    marker = page.locator(f".duty-marker[data-claim='{claim.id}']")
    expect(marker).to_have_attribute("data-lon", str(SITE[1]))
    expect(page.get_by_test_id("count-on-duty")).to_have_text("1")
    expect(page.locator(f"[data-testid=case-list] [data-case='{case.id}'] .sla")).to_contain_text("剩余")
    expect(page.get_by_test_id("wall-map")).to_have_attribute("data-tile-state", "failed")  # the view is final
    before = marker.bounding_box()

    # when the volunteer's phone sends a fix 200 m east
    fix(claim, "ping", SITE[1] + 0.002)
    # then the marker moves there (east on the screen) and the track grows
    expect(marker).to_have_attribute("data-lon", str(SITE[1] + 0.002))
    assert marker.bounding_box()["x"] > before["x"] + 5

    # when a citizen sends an SOS from the community
    sos = tip_services.tip_submit(
        reporter=users["citizen"],
        category_code="other",
        description="",
        lat=SITE[0] - 0.003,
        lon=SITE[1] + 0.003,
        kind="sos",
    )
    # then it pulses at the top and on the map, and the counter says so
    card = page.locator(f"[data-testid=sos-card][data-case='{sos.id}']")
    expect(card).to_contain_text(sos.reference)
    expect(page.locator(f".sos-marker[data-case='{sos.id}']")).to_have_count(1)
    expect(page.get_by_test_id("count-sos")).to_have_text("1")
    screenshot(page, "live-wall-1920")

    # when the server ends the stream (a restart), the page says so, then that it is live again
    loop = next(loop for loop in _hubs if not loop.is_closed())  # this server's (earlier servers' are closed)
    loop.call_soon_threadsafe(_hubs[loop].close_all)
    expect(status).to_have_attribute("data-state", "lost")
    expect(status).to_have_text("连接中断，正在重新连接…")
    expect(status).to_have_attribute("data-state", "live")
    fix(claim, "ping", SITE[1] + 0.004)
    expect(marker).to_have_attribute("data-lon", str(SITE[1] + 0.004))
    # and nothing of this needed a reload
    assert navigations == []


@pytest.mark.parametrize("live_log", ["memory"], indirect=True)
def test_a_citizen_is_refused_the_wall_map(wall_page, city, password):
    page = wall_page
    browser_login(page, city["users"]["citizen"].email, password)
    response = page.goto("/staff/live/")
    assert response.status == 403
    expect(page.locator("main h1")).to_have_text("无权访问")


def on_duty_with_a_case(city):
    """A volunteer checked in at the task's site and an open case 400 m south-west of it."""
    users = city["users"]
    claim = task_services.claim_create(task=city["task"], user=users["volunteer"])
    fix(claim, "in", SITE[1])
    case = tip_services.tip_submit(
        reporter=users["citizen"],
        category_code="other",
        description="路灯坏了",
        lat=SITE[0] - 0.004,
        lon=SITE[1] - 0.004,
    )
    return claim, case


@pytest.mark.parametrize("live_log", ["memory"], indirect=True)
def test_with_tiles_failing_the_wall_map_shows_the_grid_outlines_and_the_points_on_a_plain_ground(
    browser, asgi_server, city, password, settings
):
    # given a tile server that answers 503, a volunteer on duty and an open case in Guxi
    server = TileServer(failing=True)
    tiles_from(settings, server)
    claim, case = on_duty_with_a_case(city)
    context = browser.new_context(viewport=WALL, locale="zh-CN", base_url=asgi_server.url, device_scale_factor=1)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        browser_login(page, city["users"]["gulou_staff"].email, password)
        # when the command centre opens the wall map
        page.goto("/staff/live/")
        wall = page.get_by_test_id("wall-map")
        # then it turns plain (a graticule, not Leaflet's grey), says so
        expect(wall).to_have_attribute("data-tile-state", "failed")
        expect(page.get_by_test_id("map-plain-note")).to_have_text("地图底图无法加载：在空白底图上显示各点和距离。")
        ground = wall.evaluate("(node) => getComputedStyle(node).backgroundImage")
        assert ground.startswith("repeating-linear-gradient")
        assert server.requests >= 3
        # and draws the outlines of the district and the community it holds, within the view
        gulou, guxi, _cangshan = city["grids"]
        outlines = page.get_by_test_id("map-grid")
        expect(outlines).to_have_count(2)
        names = sorted(outlines.nth(n).get_attribute("data-grid") for n in range(2))
        assert names == sorted([gulou.name, guxi.name])
        mapbox = wall.bounding_box()
        community = page.locator(f"[data-testid=map-grid][data-grid='{guxi.name}']").bounding_box()
        assert inside(community, mapbox)
        assert community["width"] > 100
        # with the volunteer and the case on it
        marker = page.locator(f".duty-marker[data-claim='{claim.id}']")
        expect(marker).to_have_attribute("data-lon", str(SITE[1]))
        assert inside(marker.bounding_box(), mapbox)
        assert inside(page.locator(f"[data-testid=case-marker][data-case='{case.id}']").bounding_box(), mapbox)
        assert inside(marker.bounding_box(), community)
        screenshot(page, "live-wall-plain-1920")
    finally:
        context.close()
        server.close()


@pytest.mark.parametrize("live_log", ["memory"], indirect=True)
@pytest.mark.parametrize("coordinates", ["wgs84", "gcj02"])
def test_with_chinese_tiles_the_wall_map_draws_the_volunteer_shifted_to_gcj02(
    browser, asgi_server, city, password, settings, coordinates
):
    # given tiles in WGS84 (OpenStreetMap) or in GCJ-02 (a Chinese provider) and a volunteer on duty
    server = TileServer()
    tiles_from(settings, server, coordinates)
    claim, case = on_duty_with_a_case(city)
    context = browser.new_context(viewport=WALL, locale="en-US", base_url=asgi_server.url, device_scale_factor=1)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        browser_login(page, city["users"]["gulou_staff"].email, password)
        # when the wall map draws them
        page.goto("/staff/live/")
        marker = page.locator(f".duty-marker[data-claim='{claim.id}']")
        expected = wgs_to_gcj(*SITE) if coordinates == "gcj02" else SITE
        # then the volunteer stands where their WGS84 position is on those tiles (shifted for GCJ-02)
        expect(marker).to_have_attribute("data-drawn-lat", f"{expected[0]:.6f}")
        expect(marker).to_have_attribute("data-drawn-lon", f"{expected[1]:.6f}")
        expect(marker).to_have_attribute("data-lat", str(SITE[0]))  # what it is, unshifted
        spot = (SITE[0] - 0.004, SITE[1] - 0.004)
        expected_case = wgs_to_gcj(*spot) if coordinates == "gcj02" else spot
        case_marker = page.locator(f"[data-testid=case-marker][data-case='{case.id}']")
        expect(case_marker).to_have_attribute("data-drawn-lat", f"{expected_case[0]:.6f}")
        expect(case_marker).to_have_attribute("data-drawn-lon", f"{expected_case[1]:.6f}")
        # on tiles that loaded, with their credit shown
        expect(page.get_by_test_id("wall-map")).not_to_have_class("map-plain")
        expect(page.locator("#wall-map .leaflet-control-attribution")).to_contain_text("OpenStreetMap")
        assert server.requests > 0
        if coordinates == "gcj02":
            screenshot(page, "live-wall-gcj02-1920")
    finally:
        context.close()
        server.close()
