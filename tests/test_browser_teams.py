"""Teams in the browser (issue 18): the agency makes a team and invites a volunteer at desktop size;
the volunteer accepts on a phone and joins an open team."""

import pytest
from playwright.sync_api import expect

from tasks_app import selectors
from tasks_app.models import Team
from tasks_app.services import teams as team_services
from tests.conftest import browser_login, screenshot, station

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1440, "height": 900}


def test_staff_invite_and_the_volunteer_accepts_and_joins_on_a_phone(new_page, make_user, password) -> None:
    # given an agency with an open team, and its staff member and a citizen who can log in
    agency, staff = station(make_user, fund=None)
    citizen = make_user(display_name="Xiao Zhang")
    open_team = team_services.team_create(agency=agency, created_by=staff, name="Lane walkers")

    # when the staff member makes a closed team and invites the citizen by email address
    desk = new_page(locale="en-US", viewport=DESKTOP)
    browser_login(desk, staff.email, password)
    desk.goto("/staff/teams/")
    desk.fill("[data-testid=team-form] input[name=name]", "West gate night team")
    desk.uncheck("[data-testid=team-form] input[name=is_open]")
    desk.click("[data-testid=team-form] button[type=submit]")
    team_card = desk.locator("[data-testid=staff-team]", has_text="West gate night team")
    expect(team_card).to_contain_text("by invitation")
    team_card.locator("input[name=email]").fill(citizen.email)
    team_card.locator("button[type=submit]").click()
    expect(desk.locator("[data-testid=staff-team]", has_text="West gate night team")).to_contain_text("Xiao Zhang")
    screenshot(desk, "teams-staff-desktop")
    closed = Team.objects.get(name="West gate night team")
    assert closed.is_open is False

    # then the citizen, on a phone in Chinese, accepts the invitation and joins the open team
    phone = new_page()
    browser_login(phone, citizen.email, password)
    phone.goto("/tasks/teams/")
    expect(phone.locator("[data-testid=invitation]")).to_contain_text("West gate night team")
    phone.click("[data-testid=accept-invitation]")
    expect(phone.locator("[data-testid=my-teams]")).to_contain_text("West gate night team")
    phone.locator("[data-testid=open-team]", has_text="Lane walkers").locator("[data-testid=join-team]").click()
    expect(phone.locator("[data-testid=my-teams]")).to_contain_text("Lane walkers")
    expect(phone.locator("h1")).to_have_text("我的队伍")
    screenshot(phone, "teams-citizen-phone")
    assert selectors.team_member_ids(team=closed) == [citizen.id]
    assert selectors.team_member_ids(team=open_team) == [citizen.id]
