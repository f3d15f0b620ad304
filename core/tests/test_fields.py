"""The shared field types refuse or normalise what PostgreSQL could not store (the fuzz test's finds)."""

from datetime import UTC, datetime, time, timedelta, timezone

import pytest
from pydantic import TypeAdapter, ValidationError

from core.fields import CityTime, Instant


def test_an_instant_far_east_of_utc_is_kept_as_the_same_moment_in_utc():
    moment = TypeAdapter(Instant).validate_python("2026-01-01T00:00:00+18:01")

    assert moment == datetime(2025, 12, 31, 5, 59, tzinfo=UTC)
    assert moment.utcoffset() == timedelta(0)


def test_a_naive_instant_stays_naive_for_the_city_clock():
    moment = TypeAdapter(Instant).validate_python("2026-01-01T08:00:00")

    assert (moment.tzinfo, moment.isoformat()) == (None, "2026-01-01T08:00:00")


def test_an_instant_that_leaves_the_calendar_in_utc_is_refused():
    with pytest.raises(ValidationError, match="a moment out of range"):
        TypeAdapter(Instant).validate_python(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=18))))


def test_a_city_time_with_a_zone_is_refused_and_without_one_kept():
    assert TypeAdapter(CityTime).validate_python("08:30") == time(8, 30)
    with pytest.raises(ValidationError, match="without a zone"):
        TypeAdapter(CityTime).validate_python("03:12:25+18:01")


def test_nearby_tasks_with_a_far_offset_answer_200(client, db):
    response = client.get("/api/v1/tasks", {"starts_after": "2026-01-01T00:00:00+18:01"})

    assert (response.status_code, response.json()["count"]) == (200, 0)
