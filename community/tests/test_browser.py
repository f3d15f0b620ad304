"""Community groups in the browser (issue 17, "Proof"): at phone size a resident @s the officer with
a photo; the officer answers from the desktop page of open requests; the resident's page shows the
answer without a reload, through the live stream (uvicorn serving config.asgi, GET /api/v1/live).
Screenshots: community-group-phone, community-staff-requests-desktop, community-group-answered-phone."""

import re
import threading

import pytest
from playwright.sync_api import expect

from community.models import Membership, Request
from live.tests.conftest import AsgiServer, live_settings
from safehouses.tests.conftest import jpeg_with_gps
from tests.conftest import PHONE, browser_login, screenshot

DESKTOP = {"width": 1440, "height": 900}


class StaticAsgiServer(AsgiServer):
    """The project's ASGI application (pages, API, the live stream) with the static files served, as
    pytest-django's live server serves them."""

    def __init__(self) -> None:
        import uvicorn
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

        from config.asgi import application

        super().__init__()
        config = uvicorn.Config(
            ASGIStaticFilesHandler(application), host="127.0.0.1", port=self.port, lifespan="on", log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name=f"uvicorn-{self.port}", daemon=True)


@pytest.fixture
def asgi(transactional_db, settings):
    live_settings(settings, redis_url="")  # the server runs in this process: the in-memory log
    server = StaticAsgiServer().start()
    yield server
    server.stop()


def _context(browser, server, viewport, **extra):
    context = browser.new_context(
        viewport=viewport, locale="zh-CN", base_url=server.url, device_scale_factor=1, **extra
    )
    context.set_default_timeout(15_000)
    return context


def _shot(page, name: str) -> None:
    screenshot(page, name)


def test_a_resident_ats_the_officer_with_a_photo_and_sees_the_answer_arrive_live(
    town, asgi, browser, password, tmp_path
):
    # given the officer at work, and the resident on the group's page at phone size
    Membership.objects.filter(group=town.group, user=town.officer).update(hours_from="00:00", hours_to="23:59")
    photo = tmp_path / "stairwell.jpg"
    photo.write_bytes(jpeg_with_gps())
    phone = _context(browser, asgi, PHONE, is_mobile=True, has_touch=True)
    resident = phone.new_page()
    browser_login(resident, town.member.email, password)
    resident.goto(f"/groups/{town.group.id}/")
    expect(resident.get_by_test_id("cg-live-status")).to_have_text("实时更新中")

    # when the resident @s the officer with a photo
    resident.get_by_test_id("cg-at-officer").click()
    resident.get_by_test_id("cg-text").type("楼道有焦味！")
    resident.get_by_test_id("cg-photos").set_input_files(str(photo))
    resident.get_by_test_id("cg-send").click()

    # then they are told at once who has it and by when, and the post shows an open request with the photo
    expect(resident.get_by_test_id("cg-result")).to_contain_text("Officer Wang 已接手")
    post = resident.get_by_test_id("cg-post").first
    expect(post.get_by_test_id("cg-request")).to_have_attribute("data-status", "open")
    expect(post.get_by_test_id("cg-photo")).to_have_count(1)
    _shot(resident, "community-group-phone")
    request = Request.objects.get()
    assert request.post.text == "@Officer Wang 楼道有焦味！"

    # when the officer answers from the desktop page of open requests
    desk = _context(browser, asgi, DESKTOP)
    officer = desk.new_page()
    browser_login(officer, town.officer.email, password)
    officer.goto("/staff/groups/")
    row = officer.locator(f"[data-testid=cg-staff-request][data-id='{request.id}']")
    row.get_by_test_id("cg-staff-answer").fill("我马上到，请先开窗通风")
    _shot(officer, "community-staff-requests-desktop")
    row.get_by_test_id("cg-staff-reply").click()
    expect(row.get_by_test_id("cg-staff-status")).to_have_text("已响应")

    # then the resident's page, never reloaded, shows the answer and the responded request
    expect(post.get_by_test_id("cg-reply")).to_contain_text("我马上到，请先开窗通风")
    expect(post.get_by_test_id("cg-request")).to_have_attribute("data-status", "responded")
    assert resident.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert re.search(r"/groups/\d+/$", resident.url)
    _shot(resident, "community-group-answered-phone")
    phone.close()
    desk.close()


def test_the_grid_centre_broadcasts_from_its_desktop_page_and_the_member_sees_it_pinned(
    town, asgi, browser, password, make_user
):
    # given the district's grid-centre staff at a desktop
    from accounts.services import grid_membership_add

    centre = make_user(display_name="Centre Li")
    grid_membership_add(user=centre, grid=town.district)
    desk = _context(browser, asgi, DESKTOP)
    staff = desk.new_page()
    browser_login(staff, centre.email, password)

    # when they send an anti-fraud warning to the east community only
    staff.goto("/staff/groups/broadcasts/")
    staff.get_by_test_id("cg-broadcast-title").fill("反诈提醒")
    staff.get_by_test_id("cg-broadcast-body").fill("公安机关不会要求转账到安全账户。")
    staff.locator(f"input[name=grid_ids][value='{town.east.id}']").check()
    staff.get_by_role("button", name="发送通知").click()

    # then two people receive it (the member and the officer), and the member finds it pinned first
    expect(staff.get_by_test_id("cg-broadcast-result")).to_have_text("已发送，接收人数： 2")
    staff.reload()
    _shot(staff, "community-broadcasts-desktop")
    phone = _context(browser, asgi, PHONE, is_mobile=True, has_touch=True)
    resident = phone.new_page()
    browser_login(resident, town.member.email, password)
    resident.goto(f"/groups/{town.group.id}/")
    expect(resident.get_by_test_id("cg-pinned").first).to_contain_text("反诈提醒")
    _shot(resident, "community-broadcast-pinned-phone")
    staff.goto("/staff/groups/numbers/")
    _shot(staff, "community-numbers-desktop")
    desk.close()
    phone.close()
