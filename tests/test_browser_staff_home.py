"""Each staff role lands on its workspace after logging in and from the home page (desktop), and the
top bar switches between the workspace and the citizen's view, in both languages."""

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from accounts.services import agency_membership_add, grid_membership_add, pickup_point_membership_add
from accounts.tests.factories import AgencyFactory, GridFactory, PickupPointFactory, box
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


def _grid_staff(make_user):
    user = make_user(display_name="Grid Wu")
    grid_membership_add(user=user, grid=GridFactory(code="h-district", boundary=box(26.0, 119.2, 26.2, 119.4)))
    return user


def _agency_staff(make_user):
    user = make_user(display_name="Agency Qian")
    agency_membership_add(user=user, agency=AgencyFactory(name="Guxi Police Station"))
    return user


def _clerk(make_user):
    user = make_user(display_name="Clerk Sun")
    pickup_point_membership_add(user=user, pickup_point=PickupPointFactory())
    return user


def _auditor(make_user):
    return make_user(display_name="Auditor Zhou", roles=[Role.CITIZEN, Role.AUDITOR])


@pytest.mark.parametrize(
    ("make_staff", "home", "marker"),
    [
        (_grid_staff, "/staff/cases/", "case-board"),
        (_agency_staff, "/staff/tasks/", None),
        (_clerk, "/staff/fulfil/", None),
        (_auditor, "/audit/", "audit-status"),
    ],
    ids=["grid_staff", "agency_staff", "clerk", "auditor"],
)
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_staff_land_on_their_workspace_and_switch_views(
    new_page, make_user, password, make_staff, home, marker, locale
) -> None:
    # given a staff member of this role
    user = make_staff(make_user)
    page = new_page(locale=locale, viewport=DESKTOP)
    # when they log in, they land on their workspace
    browser_login(page, user.email, password)
    assert page.url.endswith(home)
    if marker:
        expect(page.get_by_test_id(marker)).to_be_visible()
    # and the home page takes them there too
    page.goto("/")
    assert page.url.endswith(home)
    screenshot(page, f"staff-home-{home.strip('/').replace('/', '-')}-{locale[:2]}")
    # when they switch to the citizen's view, they see the citizen's home page and stay there
    page.get_by_test_id("switch-to-citizen").click()
    expect(page.get_by_test_id("greeting")).to_be_visible()
    page.goto("/")
    expect(page.get_by_test_id("greeting")).to_be_visible()
    expect(page.locator("nav.bottomnav")).to_be_visible()
    # then the top bar's switch takes them back to the workspace
    page.get_by_test_id("switch-to-workspace").click()
    page.wait_for_url(re.compile(re.escape(home) + "$"))


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_citizen_has_no_workspace_switch(new_page, make_user, password, locale) -> None:
    citizen = make_user()
    page = new_page(locale=locale)
    browser_login(page, citizen.email, password)
    assert urlparse(page.url).path == "/"
    expect(page.get_by_test_id("greeting")).to_be_visible()
    expect(page.get_by_test_id("switch-to-workspace")).to_have_count(0)


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_clerk_on_a_phone_switches_between_the_counter_and_the_citizen_view(
    new_page, make_user, password, locale
) -> None:
    # given a clerk on a phone (clerks work at the counter with one)
    clerk = _clerk(make_user)
    page = new_page(locale=locale)
    browser_login(page, clerk.email, password)
    assert page.url.endswith("/staff/fulfil/")
    screenshot(page, f"staff-home-clerk-phone-{locale[:2]}")
    # when they switch to the citizen's view, the switch back fits the phone's top bar
    page.get_by_test_id("switch-to-citizen").click()
    switch = page.get_by_test_id("switch-to-workspace")
    expect(switch).to_be_visible()
    box_ = switch.bounding_box()
    assert box_["x"] >= 0
    assert box_["x"] + box_["width"] <= 390
    screenshot(page, f"staff-citizen-view-clerk-phone-{locale[:2]}")
    switch.click()
    page.wait_for_url(re.compile(r"/staff/fulfil/$"))
