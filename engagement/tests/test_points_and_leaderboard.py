"""Points earned (never spent), the daily earning cap, and leaderboards: periods in Shanghai time,
privacy (only opted-in citizens, only under their nickname), community scope, the API."""

from datetime import timedelta

import pytest
from django.test import override_settings

from engagement import selectors, services
from engagement.tests.conftest import earn, frozen, shanghai
from ledger import services as ledger_services

pytestmark = pytest.mark.django_db


def join(user, nickname: str, **extra):
    return services.profile_update(user=user, nickname=nickname, leaderboard_opt_in=True, **extra)


@override_settings(FUBI_DAILY_EARNING_CAP=2000)
def test_daily_cap_counts_at_most_the_cap_per_shanghai_day(world, make_user) -> None:
    citizen = make_user()
    # given 1500 + 1500 on one Shanghai day (the second just before midnight) and 1500 the next day
    earn(world, citizen, 1500, at=shanghai(2026, 11, 20, 8))
    earn(world, citizen, 1500, at=shanghai(2026, 11, 20, 23, 59))
    earn(world, citizen, 1500, at=shanghai(2026, 11, 21, 0, 1))
    # then the first day counts 2000, the second 1500; the wallet holds all 4500
    assert selectors.points_earned(user=citizen) == 3500
    assert ledger_services.citizen_account(citizen).posted == 4500


@override_settings(FUBI_DAILY_EARNING_CAP=0)
def test_cap_zero_means_no_cap(world, make_user) -> None:
    citizen = make_user()
    earn(world, citizen, 5000, at=shanghai(2026, 11, 20, 8))
    earn(world, citizen, 5000, at=shanghai(2026, 11, 20, 9))
    assert selectors.points_earned(user=citizen) == 10_000


@override_settings(FUBI_DAILY_EARNING_CAP=100_000)
def test_spending_never_lowers_the_level_but_a_reversal_of_an_earning_does(world, make_user) -> None:
    citizen = make_user()
    payout = earn(world, citizen, 300, at=shanghai(2026, 11, 2))
    earn(world, citizen, 100, at=shanghai(2026, 11, 3), kind="tip_reward")
    assert selectors.user_level(user=citizen).number == 3  # 400 ≥ 300
    # when the citizen spends 350 in the shop
    hold = ledger_services.hold_place(
        account=ledger_services.citizen_account(citizen), amount=350, idempotency_key="e-test:hold"
    )
    ledger_services.hold_capture(hold=hold, idempotency_key="e-test:capture")
    # then the level stays
    assert selectors.points_earned(user=citizen) == 400
    # a funding-like credit of another kind is not earned
    ledger_services.transfer_post(
        kind="release",
        source=ledger_services.agency_budget_account(world["police"]),
        destination=ledger_services.citizen_account(citizen),
        amount=1000,
        idempotency_key="e-test:not-earned",
    )
    assert selectors.points_earned(user=citizen) == 400
    # and a reversal of the 300 payout takes it back (on the payout's day)
    with frozen(shanghai(2026, 11, 20)):
        ledger_services.transaction_reverse(transaction_=payout)
    assert selectors.points_earned(user=citizen) == 100
    assert selectors.user_level(user=citizen).number == 2


@override_settings(FUBI_DAILY_EARNING_CAP=500)
def test_cap_bites_on_the_leaderboard_too(world, make_user, api_as) -> None:
    farmer, steady = make_user(), make_user()
    join(farmer, "Farmer")
    join(steady, "Steady")
    now = shanghai(2026, 11, 25, 12)
    earn(world, farmer, 5000, at=shanghai(2026, 11, 24, 10))  # one huge day
    for day in (23, 24, 25):
        earn(world, steady, 400, at=shanghai(2026, 11, day, 10))
    board = selectors.leaderboard(period="week", now=now)
    assert [(r["display_name"], r["points"]) for r in board] == [("Steady", 1200), ("Farmer", 500)]


def test_opted_out_citizens_never_appear(world, make_user, api_as) -> None:
    shy, no_nick, shown = make_user(display_name="Shy Real Name"), make_user(), make_user(display_name="Real Name")
    earn(world, shy, 900)
    earn(world, no_nick, 800)
    earn(world, shown, 100)
    services.profile_update(user=shy, nickname="ShyNick", leaderboard_opt_in=False)
    services.profile_update(user=no_nick, email_opt_in=True)
    join(shown, "Shown")
    for period in ("week", "month", "all"):
        response = api_as(None).get("/leaderboard", {"period": period})
        assert response.status_code == 200
        body = response.json()
        assert [row["display_name"] for row in body] == ["Shown"]
        text = response.content.decode()
        assert "Shy" not in text
        assert "Real Name" not in text
        assert shown.email not in text
    # and after opting out again, the citizen disappears
    services.profile_update(user=shown, leaderboard_opt_in=False)
    assert api_as(None).get("/leaderboard", {"period": "all"}).json() == []


def test_opting_in_without_a_nickname_is_refused(world, make_user, api_as) -> None:
    citizen = make_user()
    response = api_as(citizen).patch("/engagement/profile", {"leaderboard_opt_in": True})
    assert response.status_code == 422
    assert response.json()["code"] == "nickname_invalid"
    assert selectors.profile_get(user=citizen).leaderboard_opt_in is False


def test_week_and_month_start_at_shanghai_midnight(world, make_user) -> None:
    citizen = make_user()
    join(citizen, "Owl")
    now = shanghai(2026, 12, 1, 0, 30)  # Tuesday 1 December, 00:30 Shanghai (still 30 Nov in UTC)
    earn(world, citizen, 10, at=shanghai(2026, 11, 29, 23, 30))  # Sunday: last week, last month
    earn(world, citizen, 20, at=shanghai(2026, 11, 30, 0, 30))  # Monday: this week, last month
    earn(world, citizen, 40, at=shanghai(2026, 12, 1, 0, 10))  # Tuesday: this week, this month
    points = {p: selectors.leaderboard(period=p, now=now)[0]["points"] for p in ("week", "month", "all")}
    assert points == {"week": 60, "month": 40, "all": 70}


def test_ranks_share_ties_and_show_levels(world, make_user) -> None:
    users = [make_user() for _ in range(3)]
    for user, (nick, amount) in zip(users, [("Bo", 300), ("Al", 300), ("Cy", 100)], strict=True):
        join(user, nick)
        earn(world, user, amount)
    board = selectors.leaderboard(period="all")
    assert board == [
        {"rank": 1, "display_name": "Al", "points": 300, "level": 3},
        {"rank": 1, "display_name": "Bo", "points": 300, "level": 3},
        {"rank": 3, "display_name": "Cy", "points": 100, "level": 2},
    ]


def test_community_scope_lists_citizens_of_that_community(world, make_user, api_as) -> None:
    westerner, easterner, homeless = make_user(), make_user(), make_user()
    join(westerner, "West", home_grid_id=world["west"].pk)
    join(easterner, "East", home_grid_id=world["east"].pk)
    join(homeless, "Nowhere")
    for user in (westerner, easterner, homeless):
        earn(world, user, 100)
    west = api_as(None).get("/leaderboard", {"scope": "community", "community": world["west"].pk})
    assert [r["display_name"] for r in west.json()] == ["West"]
    district = api_as(None).get("/leaderboard", {"scope": "community", "community": world["district"].pk})
    assert sorted(r["display_name"] for r in district.json()) == ["East", "West"]
    # the viewer's own home community is the default
    mine = api_as(easterner).get("/leaderboard", {"scope": "community"})
    assert [r["display_name"] for r in mine.json()] == ["East"]
    assert api_as(None).get("/leaderboard", {"scope": "community", "community": 999999}).status_code == 422


def test_bad_leaderboard_parameters_are_422_with_a_code(api_as, db) -> None:
    for params in ({"period": "year"}, {"scope": "galaxy"}, {"scope": "community"}):
        response = api_as(None).get("/leaderboard", params)
        assert response.status_code == 422
        assert response.json()["code"] == "invalid"


def test_home_community_is_derived_from_activity_until_chosen(world, make_user) -> None:
    from engagement.tests.conftest import IN_EAST, paid_task

    citizen = make_user()
    paid_task(world, citizen, category="elder_care", at=IN_EAST)
    services.engagement_refresh(user=citizen)
    assert selectors.profile_get(user=citizen).home_grid_id == world["east"].pk
    services.profile_update(user=citizen, home_grid_id=world["west"].pk)
    services.engagement_refresh(user=citizen)
    assert selectors.profile_get(user=citizen).home_grid_id == world["west"].pk


def test_nickname_is_unique_case_insensitively(world, make_user, api_as) -> None:
    first, second = make_user(), make_user()
    join(first, "Xiaolong")
    response = api_as(second).patch("/engagement/profile", {"nickname": "xiaolong"})
    assert response.status_code == 409
    assert response.json()["code"] == "nickname_taken"


def test_streak_days_in_me_counts_from_the_runs_first_active_day(world, make_user, api_as) -> None:
    citizen = make_user()
    today = shanghai(2026, 1, 1).now(tz=shanghai(2026, 1, 1).tzinfo)
    earn(world, citizen, 10, at=today - timedelta(weeks=1))
    earn(world, citizen, 10, at=today)
    body = api_as(citizen).get("/me").json()
    assert body["streak_days"] == 8  # a week ago .. today, both included
    assert body["level"] == 1
    assert body["badges"] == []


@pytest.mark.parametrize(
    ("nickname", "code"),
    [
        ("a", "nickname_invalid"),
        ("x" * 21, "nickname_invalid"),
        ("me@example.com", "nickname_invalid"),
        ("nul\x00byte", "invalid"),  # a NUL is refused with every other field's: before the nickname rules
        ("line\nbreak", "nickname_invalid"),
        ("zero\u200bwidth", "nickname_invalid"),
    ],
)
def test_bad_nicknames_are_422_never_500(api_as, make_user, nickname: str, code: str) -> None:
    citizen = make_user()
    response = api_as(citizen).patch("/engagement/profile", {"nickname": nickname})
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert selectors.profile_get(user=citizen).nickname == ""


@override_settings(FUBI_SAFETY_INDEX_K=2)
def test_community_board_sums_citizens_but_hides_communities_of_fewer_than_k(world, make_user, api_as) -> None:
    west = [make_user() for _ in range(2)]
    east = make_user()
    for user in west:
        services.profile_update(user=user, home_grid_id=world["west"].pk)  # opted out: counted in the sum only
        earn(world, user, 300)
    services.profile_update(user=east, home_grid_id=world["east"].pk)
    earn(world, east, 900)
    body = api_as(None).get("/leaderboard/communities", {"period": "week"}).json()
    assert body == [{"rank": 1, "grid_id": world["west"].pk, "name": "West community", "points": 600, "citizens": 2}]
    assert api_as(None).get("/leaderboard/communities", {"period": "decade"}).status_code == 422


def test_a_citizen_who_joined_today_and_earned_today_has_a_one_day_streak(world, make_user, api_as) -> None:
    # given a brand-new citizen whose first points were paid just now
    citizen = make_user()
    earn(world, citizen, 10, at=shanghai(2026, 1, 1).now(tz=shanghai(2026, 1, 1).tzinfo))
    # when they read their profile, then the streak is today alone
    body = api_as(citizen).get("/me").json()
    assert body["streak_days"] == 1


def test_a_brand_new_citizen_has_no_streak(world, make_user, api_as) -> None:
    body = api_as(make_user()).get("/me").json()
    assert body["streak_days"] == 0
