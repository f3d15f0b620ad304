"""A volunteer's day at phone size (issue 18): a team member finds the rota's shift on /tasks/ and
claims it; an online notice is read, confirmed and paid. Both in Chinese, screenshots kept."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tasks_app import services
from tasks_app.models import Claim, ClaimStatus, Task, TeamMembership
from tasks_app.services import rotas
from tasks_app.services import teams as team_services
from tests.conftest import browser_login, screenshot, station

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_claims_the_rotas_shift_and_an_online_notice_is_confirmed_and_paid(
    new_page, make_user, password, settings
) -> None:
    # given a funded station, its closed team with a member, a nightly rota for the team, and an
    # online notice for everyone (confirmation, approved automatically)
    settings.FUBI_NEW_ACCOUNT_MANUAL_CLAIMS = 0
    agency, staff = station(make_user, fund=100_000)
    member = make_user(display_name="Xiao Zhang")
    team = team_services.team_create(agency=agency, created_by=staff, name="West gate night team", is_open=False)
    TeamMembership.objects.create(team=team, user=member)
    rota = rotas.rota_create(
        agency=agency,
        created_by=staff,
        team=team,
        shifts=[{"kind": "night", "starts": time(22, 0), "ends": time(6, 0)}],
        title="West gate night patrol",
        address="West gate",
        lat=26.08,
        lon=119.30,
        weekdays=[1, 2, 3, 4, 5, 6, 7],
        headcount=2,
        points=60,
        starts_on=timezone.localdate() - timedelta(days=1),
    )
    now = timezone.now()
    notice = services.task_create(
        agency=agency,
        created_by=staff,
        title="Read the anti-fraud notice",
        description="Scammers pose as police on video calls. Read the notice, then confirm.",
        category="safety_publicity",
        lat=None,
        lon=None,
        proof="confirmation",
        online_url="https://example.org/anti-fraud-notice",
        auto_approve=True,
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(days=2),
        headcount=500,
        points=15,
    )
    services.task_publish(task=notice, user=staff)
    shift = Task.objects.filter(rota=rota).order_by("starts_at").first()

    # when the member opens the tasks page on a phone
    page = new_page()
    browser_login(page, member.email, password)
    page.goto("/tasks/")
    for_me = page.locator("[data-testid=for-my-teams]")
    expect(for_me.locator(f"[data-task-id='{shift.id}']")).to_contain_text("West gate night patrol")
    expect(for_me.locator(f"[data-task-id='{notice.id}']")).to_contain_text("线上")
    screenshot(page, "rota-journey-tasks-phone")

    # then they claim a place on the shift
    for_me.locator(f"[data-task-id='{shift.id}']").click()
    page.click("[data-testid=claim-button]")
    expect(page.locator("[data-testid=claim-status]")).to_be_visible()
    screenshot(page, "rota-journey-shift-claimed-phone")
    assert Claim.objects.get(task=shift, user=member).status == ClaimStatus.CLAIMED

    # ... and on the notice: claim, confirm, paid
    page.goto(f"/tasks/{notice.id}/")
    expect(page.locator("[data-testid=online-url]")).to_have_attribute("href", "https://example.org/anti-fraud-notice")
    page.click("[data-testid=claim-button]")
    page.click("[data-testid=confirm-button]")
    expect(page.locator("[data-testid=proof-paid]")).to_contain_text("+15 FZB")
    screenshot(page, "rota-journey-notice-paid-phone")
    claim = Claim.objects.get(task=notice, user=member)
    assert (claim.status, claim.points_paid) == (ClaimStatus.PAID, 15)
