"""The volunteer journey on a phone with a faked GPS: find a task, claim it, check in and out on
site; then the agency approves it on its desktop page and the citizen's wallet shows the points."""

import re

import pytest
from playwright.sync_api import expect

from tasks_app.models import Claim, ClaimStatus
from tests.conftest import browser_login, open_patrol, screenshot, station

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_AT = {"latitude": 26.0803, "longitude": 119.3002}  # 39 m from the meeting point


def test_find_claim_check_in_out_then_agency_approves_and_wallet_shows_points(new_page, make_user, password) -> None:
    # given a funded agency with an open task near the citizen, and a citizen with a phone
    agency, staff = station(make_user)
    citizen = make_user(display_name="Xiao Zhang")
    task = open_patrol(agency, staff)

    # when the citizen opens the nearby list on the phone
    phone = new_page(locale="en-US", geolocation=PHONE_AT)
    browser_login(phone, citizen.email, password)
    phone.goto("/tasks/")
    expect(phone.locator("#task-list[data-loaded=true]")).to_have_count(1)
    expect(phone.get_by_test_id("task-where")).to_have_text("Nearest to you first")
    card = phone.get_by_test_id("task-card").filter(has_text="Night safety patrol")
    expect(card).to_contain_text("0.0 km")
    expect(card).to_contain_text("5 places left")
    screenshot(phone, "tasks-nearby-phone")
    card.click()

    # and claims a place
    expect(phone.get_by_test_id("task-title")).to_have_text("Night safety patrol, Guxi street")
    screenshot(phone, "tasks-detail-phone")
    phone.get_by_test_id("claim-button").click()
    phone.wait_for_url(re.compile(r"/tasks/\d+/onsite/$"))

    # and on site sees the distance, checks in, then out
    expect(phone.locator("#distance")).to_have_text("39")  # metres from the meeting point to PHONE_AT
    expect(phone.get_by_test_id("geofence-state")).to_have_text("You are inside the task area.")
    phone.get_by_test_id("checkin-button").click()
    expect(phone.get_by_test_id("claim-status")).to_have_attribute("data-status", "checked_in")
    screenshot(phone, "tasks-onsite-checked-in")
    phone.get_by_test_id("checkout-button").click()
    expect(phone.get_by_test_id("claim-status")).to_have_attribute("data-status", "completed")
    screenshot(phone, "tasks-onsite-checked-out")
    claim = Claim.objects.get(task=task, user=citizen)
    assert claim.status == ClaimStatus.COMPLETED
    assert claim.checkins.filter(accepted=True).count() == 2

    # then the agency approves it on its desktop page
    desk = new_page(locale="en-US", viewport={"width": 1280, "height": 900})
    browser_login(desk, staff.email, password)
    desk.goto(f"/staff/tasks/{task.id}/")
    row = desk.get_by_test_id("claim-row").filter(has_text="Xiao Zhang")
    expect(row.get_by_test_id("claim-status")).to_have_text("Completed")
    # the map shows the geofence and both kept fixes (check-in and check-out)
    expect(desk.locator("#staff-map path.leaflet-interactive")).to_have_count(3)
    screenshot(desk, "tasks-staff-before-approval")
    row.get_by_test_id("approve-button").click()
    expect(desk.get_by_test_id("claim-row").get_by_test_id("claim-status")).to_have_text("Paid")
    screenshot(desk, "tasks-staff-approved")
    desk.goto("/staff/tasks/")
    expect(desk.get_by_test_id("staff-tasks")).to_contain_text("Night safety patrol")
    screenshot(desk, "tasks-staff-list")

    # and the citizen's wallet shows the 120 points
    phone.goto("/wallet/")
    expect(phone.get_by_test_id("wallet-balance")).to_contain_text("120")
    screenshot(phone, "tasks-wallet-paid")
