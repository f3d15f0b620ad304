"""The rules of engagement, in code: level thresholds, badge definitions, and the calendar maths of
streaks and periods in the city's time zone (Asia/Shanghai, via zoneinfo, on the server).

Everything here is pure: it takes facts and returns answers, so each rule is tested on its own.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CITY_TZ = ZoneInfo("Asia/Shanghai")


# --- levels -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    number: int
    threshold: int  # points earned (capped per day) needed to reach this level
    name: Promise


LEVELS: tuple[Level, ...] = (
    Level(1, 0, _("Newcomer")),
    Level(2, 100, _("Neighbour")),
    Level(3, 300, _("Helper")),
    Level(4, 800, _("Guardian")),
    Level(5, 2000, _("Patroller")),
    Level(6, 5000, _("Community pillar")),
    Level(7, 12000, _("City guardian")),
    Level(8, 30000, _("Fuzhou hero")),
)


def level_for(points: int) -> Level:
    """The highest level whose threshold the earned points reach."""
    reached = LEVELS[0]
    for level in LEVELS:
        if points >= level.threshold:
            reached = level
    return reached


def next_level(level: Level) -> Level | None:
    return LEVELS[level.number] if level.number < len(LEVELS) else None


# --- calendar in the city's time zone --------------------------------------------------------------


def city_date(moment: datetime) -> date:
    """The calendar day in Asia/Shanghai of an aware moment."""
    return moment.astimezone(CITY_TZ).date()


def week_start(day: date) -> date:
    """The Monday of the ISO week holding `day`."""
    return day - timedelta(days=day.weekday())


def city_midnight(day: date) -> datetime:
    """00:00 in Asia/Shanghai of that day, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=CITY_TZ)


PERIODS = ("week", "month", "all")


def period_start(period: str, now: datetime) -> datetime | None:
    """Where a leaderboard period starts: Monday 00:00 or the 1st 00:00 in Asia/Shanghai; None for all."""
    today = city_date(now)
    if period == "week":
        return city_midnight(week_start(today))
    if period == "month":
        return city_midnight(today.replace(day=1))
    return None


# --- streaks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Streak:
    weeks: int  # consecutive active ISO weeks in the current run (0: no run alive)
    days: int  # days from the run's first active day to today, today included (0: none)
    started_on: date | None
    longest_weeks: int


def streak_from(activity: Iterable[datetime], now: datetime) -> Streak:
    """The streak of consecutive active ISO weeks, each moment placed in its Asia/Shanghai week.

    A run stays alive while this week or last week is active (this week may still come); it is
    broken by a whole week without activity. `days` counts from the run's first active day (not
    that week's Monday: someone who joined today has a streak of 1 day, not of the days since Monday).
    """
    days_active = {city_date(moment) for moment in activity}
    weeks = sorted({week_start(day) for day in days_active})
    longest = run = 0
    previous: date | None = None
    for monday in weeks:
        run = run + 1 if previous is not None and monday - previous == timedelta(weeks=1) else 1
        longest = max(longest, run)
        previous = monday
    today = city_date(now)
    this_week = week_start(today)
    if not weeks or weeks[-1] < this_week - timedelta(weeks=1):
        return Streak(weeks=0, days=0, started_on=None, longest_weeks=longest)
    first_monday = weeks[-1] - timedelta(weeks=run - 1)
    started = min(day for day in days_active if week_start(day) == first_monday)
    return Streak(weeks=run, days=(today - started).days + 1, started_on=started, longest_weeks=longest)


# --- badges -------------------------------------------------------------------------------------

ELDER_CARE_BADGE_TASKS = 3
SHARP_EYE_TIPS = 5
TEN_TASKS = 10
STREAK_BADGE_WEEKS = 4
NIGHT_STARTS = time(22, 0)  # a task is a night task when its window touches 22:00–05:00 city time
NIGHT_ENDS = time(5, 0)


@dataclass(frozen=True)
class PaidTask:
    category: str
    starts_at: datetime
    ends_at: datetime


@dataclass
class Facts:
    """What a citizen has done, as the badge rules see it."""

    paid_tasks: list[PaidTask] = field(default_factory=list)
    verified_tips: int = 0
    longest_streak_weeks: int = 0


def is_night_window(starts_at: datetime, ends_at: datetime) -> bool:
    """Does the window overlap any 22:00–05:00 night in Asia/Shanghai?"""
    start, end = starts_at.astimezone(CITY_TZ), ends_at.astimezone(CITY_TZ)
    day = start.date() - timedelta(days=1)
    while day <= end.date():
        night_from = datetime.combine(day, NIGHT_STARTS, tzinfo=CITY_TZ)
        night_to = datetime.combine(day + timedelta(days=1), NIGHT_ENDS, tzinfo=CITY_TZ)
        if start < night_to and end > night_from:
            return True
        day += timedelta(days=1)
    return False


@dataclass(frozen=True)
class Badge:
    code: str
    icon: str
    name: Promise
    description: Promise
    rule: Callable[[Facts], bool]


def _count(facts: Facts, category: str) -> int:
    return sum(1 for task in facts.paid_tasks if task.category == category)


BADGES: tuple[Badge, ...] = (
    Badge(
        "first_patrol",
        "🔦",
        _("First patrol"),
        _("Completed a night patrol task and got paid for it."),
        lambda f: _count(f, "night_patrol") >= 1,
    ),
    Badge(
        "ten_tasks",
        "🔟",
        _("Ten tasks"),
        _("Ten tasks completed and paid."),
        lambda f: len(f.paid_tasks) >= TEN_TASKS,
    ),
    Badge(
        "night_owl",
        "🦉",
        _("Night owl"),
        _("Completed a task whose time window reaches into the night (22:00–05:00, Beijing time)."),
        lambda f: any(is_night_window(t.starts_at, t.ends_at) for t in f.paid_tasks),
    ),
    Badge(
        "first_verified_tip",
        "📸",
        _("First verified tip"),
        _("A tip of yours was verified by the grid centre."),
        lambda f: f.verified_tips >= 1,
    ),
    Badge(
        "sharp_eye",
        "👁️",
        _("Sharp eye"),
        _("Five of your tips were verified."),
        lambda f: f.verified_tips >= SHARP_EYE_TIPS,
    ),
    Badge(
        "elder_care_helper",
        "🧓",
        _("Elder-care helper"),
        _("Three elder-care tasks completed and paid."),
        lambda f: _count(f, "elder_care") >= ELDER_CARE_BADGE_TASKS,
    ),
    Badge(
        "four_week_streak",
        "🔥",
        _("Four weeks in a row"),
        _("Active four weeks running."),
        lambda f: f.longest_streak_weeks >= STREAK_BADGE_WEEKS,
    ),
)
BADGES_BY_CODE = {badge.code: badge for badge in BADGES}


def badges_earned(facts: Facts) -> list[str]:
    """Codes of every badge these facts earn, in definition order."""
    return [badge.code for badge in BADGES if badge.rule(facts)]
