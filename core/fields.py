"""Field types shared by the API schemas."""

from datetime import UTC, datetime, time
from typing import Annotated

from pydantic import AfterValidator


def _wall_clock(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("a time of day on the city's clock, without a zone (e.g. 08:30)")
    return value


# A time of day on the city's wall clock (opening hours, rota shifts). A zone offset is refused:
# "03:12+18:01" names no hour in Fuzhou, and PostgreSQL's `time` column cannot hold it.
CityTime = Annotated[time, AfterValidator(_wall_clock)]


def _in_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value  # read on the city's clock, as Django does with naive times
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("a moment out of range") from None


# A moment given with an offset. It is kept in UTC: Python allows offsets up to ±23:59, PostgreSQL only
# ±15:59 ("2026-01-01T00:00+18:01" answered 500 before), and the moment is the same.
Instant = Annotated[datetime, AfterValidator(_in_utc)]
