"""One-tap SOS at phone size: a tap on the home page sends the position, says help is being called
with the nearest open safe house, keeps sending the phone's position, and takes details afterwards."""

import pytest
from playwright.sync_api import expect

from accounts.models import AgencyKind
from accounts.services import grid_membership_add
from accounts.tests.factories import AgencyFactory, GridFactory, UserFactory, box
from safehouses.models import SafeHouse
from tests.conftest import browser_login, screenshot
from tips import services as tip_services
from tips.models import SosPing, Tip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HERE = {"latitude": 26.0800, "longitude": 119.3000}
MOVED = {"latitude": 26.0812, "longitude": 119.3004}  # some 140 m further north


def _ping_answer(response) -> bool:
    return response.url.endswith("/pings") and response.request.method == "POST"


def test_one_tap_sends_the_sos_and_keeps_sending_the_position(new_page) -> None:
    # given a citizen in a community of the district, its staff, and a safe house open all day 300 m away
    tip_services.categories_ensure()
    centre = AgencyFactory(name="SOS Grid Centre", kind=AgencyKind.GRID_CENTRE)
    grid = GridFactory(code="sos-community", level="community", boundary=box(26.0, 119.2, 26.2, 119.4))
    grid_membership_add(user=UserFactory(display_name="网格员"), grid=grid)
    SafeHouse.objects.create(
        name_zh="鼓西路平安屋",
        lat=HERE["latitude"] + 0.0027,
        lon=HERE["longitude"],
        address="鼓西路 120 号",
        phone="0591-87000110",
        is_24h=True,
        agency=centre,
    )
    citizen = UserFactory(display_name="小林")
    page = new_page(locale="zh-CN", geolocation=HERE)
    page.clock.install()  # the page's timers run when the test says so
    browser_login(page, citizen.email, "correct-horse-battery-9")
    page.goto("/")
    expect(page.get_by_test_id("sos-button")).to_be_visible()
    screenshot(page, "sos-home-phone")

    # when they tap SOS once
    with page.expect_response(_ping_answer) as first_ping:
        page.get_by_test_id("sos-button").click()
    assert first_ping.value.status == 201

    # then the page says help is being called, with the reference and the nearest open safe house
    expect(page.get_by_test_id("sos-status")).to_have_text("已发送 — 正在呼叫救援。")
    expect(page.get_by_test_id("sos-button")).to_be_hidden()
    tip = Tip.objects.get(reporter=citizen)
    assert (tip.kind, tip.category.code, tip.lat, tip.lon, tip.grid_id) == ("sos", "other", 26.08, 119.3, grid.id)
    expect(page.get_by_test_id("sos-reference")).to_have_text(f"SOS 编号：{tip.reference}")
    expect(page.get_by_test_id("sos-house")).to_contain_text("鼓西路平安屋 · 0.3 公里")
    expect(page.get_by_test_id("sos-sharing")).to_have_text("您的位置将在几分钟内共享给网格中心。")

    # and when the phone moves, the next ping carries where it is now
    page.context.set_geolocation(MOVED)
    with page.expect_response(_ping_answer) as next_ping:
        page.clock.run_for(16_000)
    assert next_ping.value.status == 201
    pings = list(SosPing.objects.filter(tip=tip).order_by("received_at").values_list("lat", "lon"))
    assert pings == [(26.08, 119.3), (26.0812, 119.3004)]

    # and the details follow as an update of the same SOS
    expect(page.get_by_test_id("sos-category").locator("option[value=fighting]")).to_have_count(1)
    page.get_by_test_id("sos-category").select_option("fighting")
    page.get_by_test_id("sos-text").fill("两人持刀打架")
    page.get_by_test_id("sos-more-send").click()
    expect(page.get_by_test_id("sos-more-result")).to_have_text("已补充到您的 SOS。")
    tip.refresh_from_db()
    assert (tip.category.code, tip.description) == ("fighting", "两人持刀打架")
    assert Tip.objects.filter(reporter=citizen).count() == 1
    screenshot(page, "sos-sent-phone")


def test_the_report_page_has_the_sos_button_too(new_page) -> None:
    citizen = UserFactory(display_name="小林")
    page = new_page(locale="en-US", geolocation=HERE)
    browser_login(page, citizen.email, "correct-horse-battery-9")
    page.goto("/tips/new/")
    expect(page.get_by_test_id("sos-button")).to_have_text("SOS")
    expect(page.locator("#sos-hint")).to_have_text(
        "One tap sends your position to the grid centre. In danger, also call 110."
    )
    box_ = page.get_by_test_id("sos-button").bounding_box()
    assert box_["height"] >= 120  # a thumb finds it
    assert box_["width"] >= 300
