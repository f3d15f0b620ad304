"""What comes next after claiming, on a phone in both languages (issue 20): a place claimed for
tomorrow says when check-in opens (no live check-in button, no red geofence warning) and is given
back from my tasks; on site a timer counts the minutes; a check-out says when the points come."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tasks_app import services
from tasks_app.models import Claim, ClaimStatus
from tests.conftest import SITE, browser_login, open_patrol, screenshot, station

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ON_SITE = {"latitude": 26.0803, "longitude": 119.3002}  # about 37 m from the meeting point
AT_HOME = {"latitude": 26.1000, "longitude": 119.3000}  # about 2.2 km away
LANGUAGES = [
    pytest.param("zh-CN", id="zh-Hans"),
    pytest.param("en-US", id="en"),
]
TEXT = {
    "zh-CN": {
        "opens": "{at} 开放签到。",
        "not_open": "尚未开放签到：开放后才计算您的位置。",
        "timer": "已在现场 25 分钟。",
        "remaining": "再过 5 分钟可签退。",
        "waiting": "已签退。您的 60 FZB 将在单位审核通过后发放。",
        "new_account": "新账号的前几个任务需经单位审核后再发放积分。",
        "cancelled": "已取消",
    },
    "en-US": {
        "opens": "Check-in opens at {at}.",
        "not_open": "Not open yet: your position counts once check-in opens.",
        "timer": "On site for 25 min.",
        "remaining": "Check-out allowed in 5 min.",
        "waiting": "Checked out. Your 60 FZB are paid after the agency's approval.",
        "new_account": "Your first tasks are approved by the agency before they are paid.",
        "cancelled": "Cancelled",
    },
}


def make_task(make_user, *, starts_in: timedelta, **fields):
    agency, staff = station(make_user)
    return open_patrol(agency, staff, starts_in=starts_in, **{"points": 60, **fields})


def opens_text(locale: str, task) -> str:
    opens = timezone.localtime(task.starts_at - timedelta(minutes=30))  # the city's clock
    at = opens.strftime("%H:%M") if opens.date() == timezone.localtime().date() else opens.strftime("%m-%d %H:%M")
    return TEXT[locale]["opens"].format(at=at)


@pytest.mark.parametrize("locale", LANGUAGES)
def test_tomorrows_claim_says_when_check_in_opens_and_is_cancelled_from_my_tasks(
    new_page, make_user, password, locale
) -> None:
    # given a task starting in 14 hours and a citizen at home, 2 km away
    task = make_task(make_user, starts_in=timedelta(hours=14))
    citizen = make_user(display_name="Xiao Zhang")
    phone = new_page(locale=locale, geolocation=AT_HOME)
    browser_login(phone, citizen.email, password)
    tag = "zh" if locale == "zh-CN" else "en"

    # when the citizen claims a place
    phone.goto(f"/tasks/{task.id}/")
    phone.get_by_test_id("claim-button").click()

    # then the task page stays, says when check-in opens, and offers no check-in yet
    expect(phone.get_by_test_id("claim-next")).to_have_attribute("data-phase", "upcoming")
    expect(phone.get_by_test_id("checkin-opens")).to_have_text(opens_text(locale, task))
    expect(phone.get_by_test_id("onsite-link")).to_have_count(0)
    expect(phone.get_by_test_id("cancel-claim")).to_be_visible()
    screenshot(phone, f"tasks-future-claim-detail-{tag}")

    # and the on-site page has no live check-in button and no red "outside" warning
    phone.goto(f"/tasks/{task.id}/onsite/")
    expect(phone.locator("#distance")).not_to_have_text("–")
    expect(phone.get_by_test_id("checkin-button")).to_be_disabled()
    expect(phone.get_by_test_id("geofence-state")).to_have_text(TEXT[locale]["not_open"])
    expect(phone.get_by_test_id("geofence-state")).to_have_class("muted")
    # the time check-in opens is said once, in what comes next
    expect(phone.get_by_text(opens_text(locale, task))).to_have_count(1)
    screenshot(phone, f"tasks-future-claim-onsite-{tag}")

    # when the citizen gives the place back from my tasks, confirming the question
    phone.goto("/tasks/mine/")
    questions = []
    phone.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    row = phone.get_by_test_id("live-claim")
    expect(row.get_by_test_id("checkin-opens")).to_have_text(opens_text(locale, task))
    screenshot(phone, f"tasks-mine-future-claim-{tag}")
    row.get_by_test_id("cancel-claim").click()

    # then the claim moves to the history as cancelled and the place is free again
    expect(phone.get_by_test_id("past-claims")).to_contain_text(TEXT[locale]["cancelled"])
    expect(phone.get_by_test_id("live-claim")).to_have_count(0)
    screenshot(phone, f"tasks-mine-cancelled-{tag}")
    assert len(questions) == 1
    assert "Night safety patrol, Guxi street" in questions[0]
    assert Claim.objects.get(task=task, user=citizen).status == ClaimStatus.CANCELLED
    task.refresh_from_db()
    assert task.slots_taken == 0


@pytest.mark.parametrize("locale", LANGUAGES)
def test_on_site_timer_counts_minutes_and_those_left_before_check_out(new_page, make_user, password, locale) -> None:
    # given a citizen who checked in 25 minutes ago on a task asking for 30
    task = make_task(make_user, starts_in=-timedelta(minutes=40), min_minutes=30)
    citizen = make_user(display_name="Xiao Zhang")
    claim = services.claim_create(task=task, user=citizen)
    then = timezone.now() - timedelta(minutes=25)
    services.checkin_record(
        claim=claim, kind="in", lat=SITE[0], lon=SITE[1], accuracy_m=10, recorded_at=then, sent_at=then, now=then
    )
    phone = new_page(locale=locale, geolocation=ON_SITE)
    browser_login(phone, citizen.email, password)

    # when the on-site page is open
    phone.goto(f"/tasks/{task.id}/onsite/")

    # then the timer shows 25 minutes on site, 5 to go, and check-out waits
    expect(phone.locator("#timer-on-site")).to_have_text(TEXT[locale]["timer"])
    expect(phone.locator("#timer-remaining")).to_have_text(TEXT[locale]["remaining"])
    expect(phone.get_by_test_id("checkout-button")).to_be_disabled()
    screenshot(phone, f"tasks-onsite-timer-{'zh' if locale == 'zh-CN' else 'en'}")


@pytest.mark.parametrize("locale", LANGUAGES)
def test_check_out_says_the_points_wait_for_the_agency_and_why(new_page, make_user, password, locale) -> None:
    # given a new citizen on an auto-approving task (a new account's first claims meet a person)
    task = make_task(make_user, starts_in=-timedelta(minutes=5), auto_approve=True)
    citizen = make_user(display_name="Xiao Zhang")
    services.claim_create(task=task, user=citizen)
    phone = new_page(locale=locale, geolocation=ON_SITE)
    browser_login(phone, citizen.email, password)

    # when the citizen checks in and out on site
    phone.goto(f"/tasks/{task.id}/onsite/")
    expect(phone.get_by_test_id("geofence-state")).to_have_class("inside")
    phone.get_by_test_id("checkin-button").click()
    expect(phone.get_by_test_id("claim-status")).to_have_attribute("data-status", "checked_in")
    expect(phone.get_by_test_id("checkout-button")).to_be_enabled()
    phone.get_by_test_id("checkout-button").click()

    # then the page says the 60 points come after the agency's approval, why, and links the wallet
    note = phone.get_by_test_id("payout-note")
    expect(note).to_have_attribute("data-reason", "new_account")
    expect(note).to_contain_text(TEXT[locale]["waiting"])
    expect(note).to_contain_text(TEXT[locale]["new_account"])
    expect(note.locator("a[href='/wallet/']")).to_have_count(1)
    screenshot(phone, f"tasks-checked-out-waiting-{'zh' if locale == 'zh-CN' else 'en'}")
    claim = Claim.objects.get(task=task, user=citizen)
    assert claim.status == ClaimStatus.COMPLETED
    # and the page sent the phone's clock at sending with each fix
    assert claim.checkins.count() == 2
    assert claim.checkins.filter(sent_at__isnull=True).count() == 0
