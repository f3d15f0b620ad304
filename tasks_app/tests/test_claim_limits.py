"""New accounts meet a person before they are paid, and nobody takes more than N places a day."""

import math
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from tasks_app import services, tasks
from tasks_app.errors import DailyClaimLimitError, TaskFullError
from tasks_app.models import Claim, ClaimStatus, Task
from tasks_app.tests.conftest import SITE, assert_escrow_exact, wallet_balance

pytestmark = pytest.mark.django_db

CITY = ZoneInfo("Asia/Shanghai")


def check_in_and_out(claim) -> None:
    now = timezone.now()
    for kind in ("in", "out"):
        services.checkin_record(claim=claim, kind=kind, lat=SITE[0], lon=SITE[1], accuracy_m=10, recorded_at=now)


def test_a_new_accounts_first_claims_wait_for_the_agency_then_pay_automatically(
    agency, make_task, citizen, staff, settings
) -> None:
    # given a fresh account, and auto-approving tasks (first three paid claims need an agency)
    settings.FUBI_NEW_ACCOUNT_MANUAL_CLAIMS = 3
    for n in range(3):
        claim = services.claim_create(task=make_task(auto_approve=True, points=100), user=citizen)
        # when it checks in and out on site, with no flag at all
        check_in_and_out(claim)
        # then the claim waits for the agency instead of being paid
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.COMPLETED
        assert wallet_balance(citizen) == 100 * n
        services.claim_approve(claim=claim, user=staff)
    # and once the agency has approved three, the fourth is paid at check-out
    fourth = services.claim_create(task=make_task(auto_approve=True, points=100), user=citizen)
    check_in_and_out(fourth)
    fourth.refresh_from_db()
    assert fourth.status == ClaimStatus.PAID
    assert fourth.decided_by is None
    assert wallet_balance(citizen) == 400
    assert_escrow_exact(agency)


def test_the_auto_approve_sweeper_leaves_a_new_accounts_claim_to_the_agency(make_task, citizen, settings) -> None:
    # given a new account's clean, completed claim on an auto-approving task
    settings.FUBI_NEW_ACCOUNT_MANUAL_CLAIMS = 1
    claim = services.claim_create(task=make_task(auto_approve=True), user=citizen)
    check_in_and_out(claim)
    # when the sweeper runs
    assert tasks.claims_auto_approve_task.delay().get() == 0
    # then the claim still waits
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COMPLETED


def test_the_agency_sees_that_a_claim_is_held_because_the_account_is_new(
    api_as, make_task, citizen, staff, settings
) -> None:
    settings.FUBI_NEW_ACCOUNT_MANUAL_CLAIMS = 3
    task = make_task(auto_approve=True)
    check_in_and_out(services.claim_create(task=task, user=citizen))
    [item] = api_as(staff).get(f"/tasks/{task.id}/claims").json()["items"]
    assert (item["status"], item["new_account"], item["flags"], item["conflicts"]) == ("completed", True, [], [])


def seconds_to_city_midnight(moment: datetime) -> int:
    day = timezone.localtime(moment, CITY).date()
    return math.ceil((datetime.combine(day + timedelta(days=1), time(0), tzinfo=CITY) - moment).total_seconds())


def test_the_claim_past_the_daily_limit_answers_429_with_retry_after(api_as, make_task, citizen, settings) -> None:
    # given a citizen who took today's three places
    settings.FUBI_MAX_CLAIMS_PER_DAY = 3
    me = api_as(citizen)
    for _ in range(3):
        assert me.post(f"/tasks/{make_task().id}/claims").status_code == 201
    fourth = make_task()
    # when they claim a fourth place
    before = timezone.now()
    response = me.post(f"/tasks/{fourth.id}/claims")
    after = timezone.now()
    # then 429 rate_limited, to try again at the city's next midnight, and no place is taken
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "rate_limited"
    assert body["details"]["limit"] == 3
    assert seconds_to_city_midnight(after) <= int(response["Retry-After"]) <= seconds_to_city_midnight(before)
    assert body["details"]["retry_after"] == int(response["Retry-After"])
    assert body["message"] == "每人每天最多可领取 3 个名额（已取消的也计算在内）。请在午夜之后再领取。"
    fourth.refresh_from_db()
    assert fourth.slots_taken == 0
    assert not Claim.objects.filter(task=fourth).exists()


def test_claiming_and_cancelling_does_not_get_around_the_daily_limit(make_task, citizen, settings) -> None:
    # given a task that starts later (so a place can be given back) and a limit of 3 a day
    settings.FUBI_MAX_CLAIMS_PER_DAY = 3
    now = timezone.now()
    task = make_task(starts_at=now + timedelta(hours=2), ends_at=now + timedelta(hours=4))
    # when the citizen claims and cancels three times
    for _ in range(3):
        services.claim_cancel(claim=services.claim_create(task=task, user=citizen), user=citizen)
    # then the fourth claim of the day is refused
    with pytest.raises(DailyClaimLimitError):
        services.claim_create(task=task, user=citizen)
    task.refresh_from_db()
    assert task.slots_taken == 0


def test_a_claim_that_fails_does_not_use_up_the_days_places(make_task, citizen, settings) -> None:
    # given a limit of one a day, and a task whose last place someone else takes just after the
    # citizen's page read it (so the claim fails inside its transaction)
    settings.FUBI_MAX_CLAIMS_PER_DAY = 1
    read_earlier = make_task(headcount=1)
    services.claim_create(task=Task.objects.get(pk=read_earlier.pk), user=UserFactory())
    with pytest.raises(TaskFullError):
        services.claim_create(task=read_earlier, user=citizen)
    # when they claim another task the same day, then it goes through
    assert services.claim_create(task=make_task(), user=citizen).status == ClaimStatus.CLAIMED


def test_the_daily_limit_follows_the_citys_calendar(make_task, citizen, settings) -> None:
    # given a limit of one a day and tasks open for the next days
    settings.FUBI_MAX_CLAIMS_PER_DAY = 1
    tomorrow = timezone.localtime(timezone.now(), CITY).date() + timedelta(days=1)
    late = datetime.combine(tomorrow, time(23, 50), tzinfo=CITY)  # 15:50 UTC
    window = {"starts_at": late + timedelta(hours=1), "ends_at": late + timedelta(hours=3)}
    first, second, third = (make_task(**window) for _ in range(3))
    services.claim_create(task=first, user=citizen, now=late)
    # when they claim again at 23:55 the same day, then at 00:05 the next day (still the same UTC day)
    with pytest.raises(DailyClaimLimitError) as refused:
        services.claim_create(task=second, user=citizen, now=late + timedelta(minutes=5))
    after_midnight = services.claim_create(task=third, user=citizen, now=late + timedelta(minutes=15))
    # then the first is refused until the city's midnight, five minutes away, and the second goes through
    assert refused.value.retry_after == 300
    assert after_midnight.status == ClaimStatus.CLAIMED
