"""A department's queue in Chromium (issue 18, 立码办): a tip of a routed category is accepted by the
grid centre and goes straight to the market-regulation department, whose staff member finds it on
/staff/cases/, reports back with a note and a photo on the case page; the reporter sees the step."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from accounts.models import AgencyKind
from accounts.services import agency_membership_add, grid_membership_add
from accounts.tests.factories import AgencyFactory, GridFactory, box
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


def photo_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (160, 90, 30)).save(out, "JPEG", quality=80)
    return out.getvalue()


def test_department_finds_the_routed_case_and_reports_back(new_page, make_user, password) -> None:
    from tips import routing, services
    from tips.models import CaseEvent, TipPhoto

    # given a district with a rule sending urban-management tips to a department, and a routed case
    services.categories_ensure()
    district = GridFactory(code="d-district", level="district", boundary=box(26.0, 119.2, 26.2, 119.4))
    market = AgencyFactory(name="市场监管所 Market Regulation", kind=AgencyKind.MARKET_REGULATION)
    desk = make_user(display_name="Grid Li")
    grid_membership_add(user=desk, grid=district)
    officer = make_user(display_name="Officer Zhao")
    agency_membership_add(user=officer, agency=market)
    routing.routing_rule_create(actor=desk, grid_id=district.id, category_code="urban_management", agency_id=market.id)
    citizen = make_user(display_name="小王")
    tip = services.tip_submit(
        reporter=citizen, category_code="urban_management", description="商铺占道经营", lat=26.07, lon=119.25
    )
    services.case_transition(tip=tip, actor=desk, action="accept")

    # when the department's officer opens the queue and the case on a desktop
    page = new_page(locale="zh-CN", viewport=DESKTOP)
    browser_login(page, officer.email, password)
    page.goto("/staff/cases/")
    expect(page.get_by_test_id("department-queue")).to_be_visible()
    expect(page.get_by_test_id(f"case-link-{tip.id}")).to_be_visible()
    screenshot(page, "department-queue-desktop")
    page.get_by_test_id(f"case-link-{tip.id}").click()
    page.wait_for_url(re.compile(rf"/staff/cases/{tip.id}/$"))
    expect(page.get_by_test_id("case-assignee")).to_have_text("市场监管所 Market Regulation")
    expect(page.get_by_test_id("action-verify")).to_have_count(0)  # the grid centre's, not theirs
    form = page.get_by_test_id("action-report_back")
    form.locator("textarea[name=note]").fill("已责令商户清理占道物品")
    form.locator("input[name=photos]").set_input_files(
        files=[{"name": "after.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    screenshot(page, "department-case-desktop")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/staff/cases/{tip.id}/$"))

    # then the step and its photo are recorded, and the reporter sees it on their phone
    expect(page.get_by_test_id("case-respond-due")).to_contain_text("已反馈")
    screenshot(page, "department-reported-back-desktop")
    event = CaseEvent.objects.get(tip=tip, action="report_back")
    assert (event.actor, event.note) == (officer, "已责令商户清理占道物品")
    assert TipPhoto.objects.filter(tip=tip, event=event).count() == 1
    phone = new_page(locale="zh-CN")
    browser_login(phone, citizen.email, password)
    phone.goto(f"/tips/{tip.id}/")
    expect(phone.get_by_text("已责令商户清理占道物品")).to_be_visible()
    screenshot(phone, "department-report-back-reporter-phone")
