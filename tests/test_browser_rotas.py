"""Standing rotas in the browser (issue 18): staff make a rota at desktop size, its shifts of the week
ahead appear at once, and the coverage view shows places taken per shift and day, unfilled ones in red."""

import pytest
from playwright.sync_api import expect

from tasks_app.models import Rota, Task
from tasks_app.services import teams as team_services
from tests.conftest import browser_login, screenshot, station

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1440, "height": 900}


def test_staff_make_a_rota_and_see_its_week_uncovered(new_page, make_user, password) -> None:
    # given a funded agency and its staff member
    _agency, staff = station(make_user, fund=100_000)
    page = new_page(locale="en-US", viewport=DESKTOP)
    browser_login(page, staff.email, password)

    # when they make a rota of every day's night shift
    page.goto("/staff/rotas/")
    form = page.locator("[data-testid=rota-form]")
    form.locator("input[name=title]").fill("West gate night patrol")
    form.locator("input[name=address]").fill("West gate")
    form.locator("input[name=lat]").fill("26.08")
    form.locator("input[name=lon]").fill("119.30")
    for box in form.locator("input[name=weekdays]").all():
        box.check()
    form.locator("[data-shift=night] [data-shift-on]").check()
    form.locator("button[type=submit]").click()

    # then the rota is listed and its shifts of the week ahead are made and funded
    expect(page.locator("[data-testid=staff-rota]")).to_contain_text("West gate night patrol")
    screenshot(page, "rotas-staff-desktop")
    rota = Rota.objects.get(title="West gate night patrol")
    assert Task.objects.filter(rota=rota, status="open").count() == 7
    # ... and the coverage view shows each night 0/2 in red
    page.click("[data-testid=coverage-link]")
    expect(page.locator("[data-testid=coverage-row]")).to_have_count(1)
    expect(page.locator("[data-testid=unfilled-count]")).to_contain_text("shifts not yet filled")
    expect(page.locator("[data-testid=coverage-cell].unfilled")).to_have_text(["0/2"] * 7)
    screenshot(page, "rotas-coverage-desktop")


def test_staff_make_an_online_task_for_a_team_from_the_tasks_page(new_page, make_user, password) -> None:
    # given a staff member of an agency with a team
    agency, staff = station(make_user, fund=None)
    team = team_services.team_create(agency=agency, created_by=staff, name="Sharers")
    page = new_page(locale="en-US", viewport=DESKTOP)
    browser_login(page, staff.email, password)
    # when they fill the online task form for the team
    page.goto("/staff/tasks/")
    form = page.locator("[data-testid=online-task-form]")
    form.locator("input[name=title]").fill("Share the anti-fraud video")
    form.locator("select[name=proof]").select_option("link")
    form.locator("input[name=online_url]").fill("https://example.org/video")
    form.locator("select[name=team_id]").select_option(str(team.pk))
    form.locator("input[name=starts_at]").fill("2030-01-02T09:00")
    form.locator("input[name=ends_at]").fill("2030-01-05T18:00")
    form.locator("button[type=submit]").click()
    # then a draft online task for the team is listed
    expect(page.locator("[data-testid=staff-tasks]")).to_contain_text("Share the anti-fraud video")
    task = Task.objects.get(title="Share the anti-fraud video")
    assert (task.lat, task.proof, task.audience, task.team_id, task.status) == (None, "link", "team", team.pk, "draft")
    screenshot(page, "online-task-staff-desktop")
