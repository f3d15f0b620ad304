"""The pure rules: level thresholds, night windows and streaks in Asia/Shanghai weeks."""

from datetime import UTC, date, datetime, timedelta

from engagement import rules
from engagement.tests.conftest import shanghai


def test_levels_follow_thresholds() -> None:
    assert [rules.level_for(p).number for p in (0, 99, 100, 299, 300, 800, 2000, 5000, 10**9)] == [
        1,
        1,
        2,
        2,
        3,
        4,
        5,
        6,
        8,
    ]
    assert rules.next_level(rules.level_for(0)).threshold == 100
    assert rules.next_level(rules.LEVELS[-1]) is None


def test_sunday_late_and_monday_early_in_shanghai_are_two_weeks_though_one_utc_day() -> None:
    # given Sunday 23:30 and Monday 00:30 in Shanghai: both on Sunday 2026-11-22 in UTC
    sunday_late = shanghai(2026, 11, 22, 23, 30)
    monday_early = shanghai(2026, 11, 23, 0, 30)
    assert sunday_late.astimezone(UTC).date() == monday_early.astimezone(UTC).date()
    # when the streak is computed on Tuesday
    streak = rules.streak_from([sunday_late, monday_early], shanghai(2026, 11, 24, 9))
    # then they are two consecutive active weeks, the run started that Sunday (its first active day)
    assert streak.weeks == 2
    assert streak.started_on == date(2026, 11, 22)
    assert streak.days == 3  # 22nd .. 24th inclusive


def test_two_moments_in_one_shanghai_week_are_one_week_though_utc_weeks_differ() -> None:
    # given Monday 00:30 Shanghai (= Sunday 16:30 UTC, the previous ISO week in UTC) and Wednesday
    monday_early = shanghai(2026, 11, 23, 0, 30)
    assert monday_early.astimezone(UTC).isocalendar().week != monday_early.isocalendar().week
    streak = rules.streak_from([monday_early, shanghai(2026, 11, 25, 20)], shanghai(2026, 11, 25, 21))
    # then one week, started that Monday
    assert (streak.weeks, streak.days) == (1, 3)


def test_a_week_without_activity_breaks_the_streak() -> None:
    weeks = [shanghai(2026, 10, 5), shanghai(2026, 10, 12), shanghai(2026, 10, 26)]  # the week of 19th is empty
    streak = rules.streak_from(weeks, shanghai(2026, 10, 27))
    assert (streak.weeks, streak.longest_weeks) == (1, 2)


def test_streak_survives_an_inactive_current_week_but_not_two() -> None:
    active = [shanghai(2026, 11, 9), shanghai(2026, 11, 16)]
    assert rules.streak_from(active, shanghai(2026, 11, 24)).weeks == 2  # this week may still come
    gone = rules.streak_from(active, shanghai(2026, 12, 1))
    assert (gone.weeks, gone.days, gone.longest_weeks) == (0, 0, 2)


def test_streak_is_the_same_whatever_zone_the_moments_are_given_in() -> None:
    moments = [shanghai(2026, 3, 8, 1, 30) + timedelta(weeks=n) for n in range(5)]  # US DST starts 2026-03-08
    from zoneinfo import ZoneInfo

    new_york = [m.astimezone(ZoneInfo("America/New_York")) for m in moments]
    now = shanghai(2026, 4, 6, 12)
    assert rules.streak_from(new_york, now) == rules.streak_from(moments, now)
    assert rules.streak_from(moments, now).weeks == 5


def test_night_window_is_judged_in_shanghai_time() -> None:
    assert not rules.is_night_window(shanghai(2026, 12, 1, 19), shanghai(2026, 12, 1, 21))
    assert rules.is_night_window(shanghai(2026, 12, 1, 21), shanghai(2026, 12, 1, 23))
    assert rules.is_night_window(shanghai(2026, 12, 2, 4), shanghai(2026, 12, 2, 6))
    # 14:00–15:00 UTC is 22:00–23:00 in Shanghai
    assert rules.is_night_window(datetime(2026, 12, 1, 14, tzinfo=UTC), datetime(2026, 12, 1, 15, tzinfo=UTC))
    assert not rules.is_night_window(datetime(2026, 12, 1, 2, tzinfo=UTC), datetime(2026, 12, 1, 4, tzinfo=UTC))


def test_period_starts_at_shanghai_midnight() -> None:
    now = shanghai(2026, 11, 23, 0, 30)  # Monday just after midnight; still Sunday in UTC
    assert rules.period_start("week", now) == shanghai(2026, 11, 23, 0, 0)
    assert rules.period_start("month", now) == shanghai(2026, 11, 1, 0, 0)
    assert rules.period_start("all", now) is None


def test_someone_active_for_the_first_time_today_has_a_one_day_streak() -> None:
    # given a citizen who joined on Sunday and earned their first points that day
    sunday = shanghai(2026, 12, 6, 15)
    # when the streak is computed that evening
    streak = rules.streak_from([sunday], shanghai(2026, 12, 6, 21))
    # then it is one day in one week, not the six days since Monday
    assert (streak.weeks, streak.days, streak.started_on) == (1, 1, date(2026, 12, 6))


def test_no_activity_is_no_streak() -> None:
    assert rules.streak_from([], shanghai(2026, 12, 6, 21)) == rules.Streak(
        weeks=0, days=0, started_on=None, longest_weeks=0
    )
