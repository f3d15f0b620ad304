"""The request clocks on the city's wall clock (settings.TIME_ZONE): the day window, an officer's
hours, and when an answer is due."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from community.models import Membership


def city_time(at: datetime) -> datetime:
    return timezone.localtime(at, ZoneInfo(settings.TIME_ZONE))


def day_window() -> tuple[time, time]:
    return time(settings.FUBI_GROUP_DAY_START_HOUR), time(settings.FUBI_GROUP_DAY_END_HOUR)


def _within(at: datetime, start: time, end: time) -> bool:
    local = city_time(at).time().replace(tzinfo=None)
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # a window past midnight


def in_day(at: datetime) -> bool:
    return _within(at, *day_window())


def officer_in_hours(membership: Membership, at: datetime) -> bool:
    """Is the officer working at `at`? Their own hours, else the day window."""
    if membership.hours_from is not None and membership.hours_to is not None:
        return _within(at, membership.hours_from, membership.hours_to)
    return in_day(at)


def next_day_start(at: datetime) -> datetime:
    """The next start of the day window at or after `at` (`at` itself inside the day)."""
    if in_day(at):
        return at
    local = city_time(at)
    start = local.replace(hour=settings.FUBI_GROUP_DAY_START_HOUR, minute=0, second=0, microsecond=0)
    if start <= local:
        start += timedelta(days=1)
    return start


def respond_due(*, at: datetime, covered: bool) -> datetime:
    """When an answer is due: FUBI_GROUP_RESPOND_HOURS from now when someone has the request now,
    else that long after the next day starts."""
    base = at if covered else next_day_start(at)
    return base + timedelta(hours=settings.FUBI_GROUP_RESPOND_HOURS)


def resolve_due(*, at: datetime) -> datetime:
    return at + timedelta(hours=settings.FUBI_GROUP_RESOLVE_HOURS)
