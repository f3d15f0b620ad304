"""The agency's task form at desktop size (issue 20 item 6): the meeting point from a search of the
district's known places (offline, no geocoder) or a tap on the map, its geofence drawn; what
publishing will hold of the budget, as the form is filled; and a confirmation that says what
returns to the budget before a task is cancelled."""

import pytest
from playwright.sync_api import expect

from accounts.services import agency_membership_add
from accounts.tests.factories import AgencyFactory, GridFactory, box
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from tasks_app.models import Task, TaskStatus
from tests.conftest import browser_login, screenshot, station

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}


def test_staff_find_the_place_see_the_hold_and_confirm_a_cancel(new_page, make_user, password) -> None:
    # given an agency with 10,000 FZB, its staff member, and the street 鼓西街道 among the known places
    agency = AgencyFactory(name="鼓西派出所")
    ledger_services.agency_fund(agency=agency, amount=10_000, idempotency_key="form-fund")
    staff = make_user(display_name="王警官")
    agency_membership_add(user=staff, agency=agency)
    GridFactory(name="鼓西街道", boundary=box(26.07, 119.29, 26.09, 119.31))
    desk = new_page(locale="zh-CN", viewport=DESKTOP)
    browser_login(desk, staff.email, password)
    desk.goto("/staff/tasks/")
    form = desk.get_by_test_id("task-form")

    # when they search for the street and pick it
    desk.get_by_test_id("place-search").fill("鼓西")
    option = desk.get_by_test_id("place-option")
    expect(option).to_have_text("鼓西街道 · 网格")
    option.click()

    # then the meeting point is the street's middle, on the form and on the map, with its geofence
    expect(form.locator("[name=lat]")).to_have_value("26.080000")
    expect(form.locator("[name=lon]")).to_have_value("119.300000")
    expect(form.locator("[name=address]")).to_have_value("鼓西街道")
    expect(desk.get_by_test_id("task-form-map")).to_have_attribute("data-picked-lat", "26.080000")
    expect(desk.locator("#task-form-map path.leaflet-interactive")).to_have_count(1)

    # and the form says what publishing holds as it is filled: 5 × 100, then more than the budget
    note = desk.get_by_test_id("budget-note")
    expect(note).to_have_text("发布将从预算中冻结 500 福币（可用 10,000 福币，发布后剩余 9,500 福币）。")
    form.locator("[name=points]").fill("3000")
    expect(note).to_have_text("预算只有 10,000 福币，无法冻结 15,000 福币。请减少人数或积分，或先存为草稿。")
    expect(note).to_have_class("budget-note outside")
    form.locator("[name=points]").fill("100")
    form.locator("[name=title]").fill("夜间巡逻")
    screenshot(desk, "tasks-staff-form-desktop")
    form.get_by_role("button", name="保存任务").click()
    expect(desk.locator("h1")).to_contain_text("夜间巡逻")
    task = Task.objects.get(title="夜间巡逻")
    assert (task.lat, task.lon, task.status, task.escrow_points) == (26.08, 119.3, TaskStatus.OPEN, 500)
    assert ledger_selectors.agency_wallet(agency=agency)["available"] == 9_500

    # when they cancel it from the list, first changing their mind, then confirming
    desk.goto("/staff/tasks/")
    questions = []
    desk.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    desk.get_by_test_id("cancel-task").click()
    expect(desk.get_by_test_id("staff-tasks")).to_contain_text("招募中")
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    desk.once("dialog", lambda dialog: dialog.accept())
    desk.get_by_test_id("cancel-task").click()

    # then the question said what returns to the budget, and it did, only after the confirmation
    assert questions == ["取消“夜间巡逻”？托管中的 500 福币将退回预算，已报名的人会收到通知。"]
    expect(desk.get_by_test_id("staff-tasks")).to_contain_text("已取消")
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED
    assert ledger_selectors.agency_wallet(agency=agency)["available"] == 10_000


def test_a_tap_on_the_map_sets_the_meeting_point(new_page, make_user, password) -> None:
    _agency, staff = station(make_user, fund=None)
    desk = new_page(locale="en-US", viewport=DESKTOP)
    browser_login(desk, staff.email, password)
    desk.goto("/staff/tasks/")
    form = desk.get_by_test_id("task-form")
    before = form.locator("[name=lat]").input_value()
    # when the staff member taps the map above its middle
    desk.get_by_test_id("task-form-map").click(position={"x": 200, "y": 60})
    # then the point moved north, and the form says so
    expect(desk.get_by_test_id("picked-note")).to_have_text("Meeting point set on the map. ")
    assert float(form.locator("[name=lat]").input_value()) > float(before)
    expect(desk.get_by_test_id("budget-note")).to_have_text(
        "The budget has 0 FZB: 500 FZB cannot be held. Fewer people or points, or save it as a draft."
    )
