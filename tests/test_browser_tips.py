"""A tip's whole journey in Chromium: a citizen at phone size reports it with a photo; grid staff on
a desktop accept, assign and verify it, asking for a reward above the category's default, which a
second staff member approves (four eyes); the citizen sees the timeline and the reward in the wallet."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from accounts.models import AgencyKind
from accounts.services import grid_membership_add
from accounts.tests.factories import AgencyFactory, GridFactory, box
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


def photo_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 90, 160)).save(out, "JPEG", quality=80)
    return out.getvalue()


def test_citizen_reports_staff_verify_citizen_sees_reward(new_page, make_user, password) -> None:
    from ledger import services as ledger_services
    from tips.models import Tip
    from tips.services import categories_ensure

    # given a district with a funded grid centre, a community grid, its staff and a citizen
    categories_ensure()
    centre = AgencyFactory(name="Grid Centre", kind=AgencyKind.GRID_CENTRE)
    district = GridFactory(code="b-district", level="district", boundary=box(26.0, 119.2, 26.2, 119.4))
    district.handling_agency = centre
    district.save()
    GridFactory(code="b-community", level="community", parent=district, boundary=box(26.05, 119.22, 26.10, 119.28))
    ledger_services.agency_fund(agency=centre, amount=100_000, idempotency_key="browser:fund")
    citizen = make_user(display_name="小王")
    staff = make_user(display_name="Grid Li")
    grid_membership_add(user=staff, grid=district)
    second = make_user(display_name="Grid Zhao")
    grid_membership_add(user=second, grid=district)

    # when the citizen reports a tip with a photo from their phone, located by the browser
    phone = new_page(locale="zh-CN", geolocation={"latitude": 26.0712, "longitude": 119.2534})
    browser_login(phone, citizen.email, password)
    phone.goto("/tips/new/")
    expect(phone.get_by_test_id("tip-lat")).to_have_value(re.compile(r"^26\.0712"))
    phone.get_by_test_id("tip-category").select_option("urban_management")
    phone.get_by_test_id("tip-description").fill("路灯坏了，晚上很黑")
    phone.get_by_test_id("tip-photos").set_input_files(
        files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    screenshot(phone, "tips-new-phone")
    phone.get_by_test_id("tip-submit").click()
    phone.wait_for_url(re.compile(r"/tips/\d+/$"))
    tip = Tip.objects.get(reporter=citizen)
    expect(phone.get_by_test_id("tip-reference")).to_have_text(tip.reference)
    expect(phone.get_by_test_id("tip-status")).to_have_attribute("data-status", "submitted")
    assert tip.grid.code == "b-community"
    assert tip.photos.count() == 1
    screenshot(phone, "tips-detail-submitted-phone")

    # when grid staff open the queue on a desktop, then accept, assign and verify the case
    desk = new_page(locale="en-US", viewport=DESKTOP)
    browser_login(desk, staff.email, password)
    desk.goto("/staff/cases/")
    expect(desk.get_by_test_id("case-board")).to_contain_text(tip.reference)
    screenshot(desk, "tips-staff-board")
    desk.get_by_test_id(f"case-link-{tip.id}").click()
    expect(desk.get_by_test_id("case-status")).to_have_text("Submitted")
    expect(desk.get_by_test_id("case-photos").locator("img")).to_have_count(1)
    desk.get_by_test_id("action-accept").locator("button").click()
    expect(desk.get_by_test_id("case-status")).to_have_text("Accepted")
    desk.get_by_test_id("action-assign").locator("input[name=note]").fill("Street office, please check")
    desk.get_by_test_id("action-assign").locator("button").click()
    expect(desk.get_by_test_id("case-status")).to_have_text("Assigned")
    expect(desk.get_by_test_id("case-assignee")).to_have_text("Grid Centre")
    desk.get_by_test_id("action-verify").locator("input[name=reward_points]").fill("300")
    desk.get_by_test_id("action-verify").locator("button").click()
    expect(desk.get_by_test_id("case-status")).to_have_text("Verified")
    # 300 is above the category's default (50): it waits for a second staff member, who approves it
    expect(desk.get_by_test_id("case-reward")).to_contain_text("300 FZB awaiting a second approval")
    expect(desk.get_by_test_id("reward-awaits-other")).to_be_visible()
    screenshot(desk, "tips-staff-case-verified")
    other_desk = new_page(locale="en-US", viewport=DESKTOP)
    browser_login(other_desk, second.email, password)
    other_desk.goto(f"/staff/cases/{tip.id}/")
    other_desk.get_by_test_id("action-approve_reward").locator("button").click()
    expect(other_desk.get_by_test_id("case-reward")).to_have_text("300 FZB")
    screenshot(other_desk, "tips-staff-case-reward-approved")

    # then the citizen sees every step on the timeline, the reward, and the points in the wallet
    phone.goto(f"/tips/{tip.id}/")
    expect(phone.get_by_test_id("tip-status")).to_have_attribute("data-status", "verified")
    timeline = phone.get_by_test_id("timeline").locator("li")
    expect(timeline).to_have_count(5)  # submitted, accepted, assigned, verified, reward paid
    expect(phone.get_by_test_id("tip-reward")).to_contain_text("+300")
    screenshot(phone, "tips-detail-verified-phone")
    phone.get_by_test_id("tip-wallet-link").click()
    expect(phone.get_by_test_id("wallet-balance")).to_contain_text("300")
    screenshot(phone, "tips-wallet-phone")


def test_staff_print_place_codes_and_a_scan_opens_the_prefilled_form(new_page, make_user, password) -> None:
    from tips.services import categories_ensure

    # given a grid, its staff and a citizen
    categories_ensure()
    district = GridFactory(code="q-district", level="district", boundary=box(26.0, 119.2, 26.2, 119.4))
    staff = make_user(display_name="Grid Chen")
    grid_membership_add(user=staff, grid=district)
    citizen = make_user()
    # when staff add a place and open the printable sheet
    desk = new_page(locale="en-US", viewport=DESKTOP)
    browser_login(desk, staff.email, password)
    desk.goto("/staff/place-codes/")
    desk.fill("input[name=code]", "school-gate")
    desk.fill("input[name=name]", "School gate")
    desk.fill("input[name=lat]", "26.1234")
    desk.fill("input[name=lon]", "119.3456")
    desk.locator("main form:has(input[name=code]) button[type=submit]").click()
    sheet = desk.get_by_test_id("qr-sheet")
    expect(sheet.locator("figure.qr-card img")).to_have_count(1)
    expect(sheet).to_contain_text("School gate")
    expect(sheet.get_by_test_id("qr-url")).to_have_text("http://127.0.0.1:8000/p/school-gate/")
    screenshot(desk, "tips-place-code-sheet")
    # then the code's link opens the tip form with the place and its location filled in
    phone = new_page(locale="en-US")
    browser_login(phone, citizen.email, password)
    phone.goto("/p/school-gate/")  # the plate's page: a signed-in citizen gets the ordinary form there
    expect(phone.get_by_test_id("tip-place")).to_contain_text("School gate")
    expect(phone.get_by_test_id("tip-lat")).to_have_value("26.123400")
    expect(phone.get_by_test_id("tip-lon")).to_have_value("119.345600")
