"""The command centre's wall map at 1920×1080 on a real ASGI server: a volunteer's marker moves when
their phone's fix arrives, a new SOS appears, and the page says when its stream drops and comes
back — all without a reload."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from live.hub import _hubs
from tasks_app import services as task_services
from tasks_app.tests.conftest import SITE
from tests.conftest import browser_login, screenshot
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
