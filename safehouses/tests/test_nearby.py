"""GET /safe-houses (docs/api.md, safe houses): nearest first, distances, open now, bad input."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from core.geo import haversine_m
from safehouses import selectors
from safehouses.models import OpeningHours, SafeHouse
from safehouses.tests.conftest import ORIGIN

CITY = ZoneInfo("Asia/Shanghai")
MONDAY, TUESDAY, SUNDAY = 0, 1, 6


def test_lists_nearest_first_with_exact_distances(api_as, make_house):
    # given houses about 3 km, 0.5 km and 1.5 km north of the origin, and one 8 km away
    far = make_house("Far", lat=ORIGIN[0] + 0.027, is_24h=True)
    near = make_house("Near", lat=ORIGIN[0] + 0.0045, is_24h=True)
    middle = make_house("Middle", lat=ORIGIN[0] + 0.0135, is_24h=True)
    make_house("Outside", lat=ORIGIN[0] + 0.072, is_24h=True)

    # when anyone asks within 5 km of the origin
    response = api_as(None).get("/safe-houses", {"lat": ORIGIN[0], "lon": ORIGIN[1]})

    # then the three within 5 km come nearest first, each with its distance in km
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["items"]] == [near.id, middle.id, far.id]
    assert body["count"] == 3
    for item, house in zip(body["items"], (near, middle, far), strict=True):
        assert item["distance_km"] == round(haversine_m(*ORIGIN, house.lat, house.lon) / 1000, 3)
    assert set(body["items"][0]) >= {"id", "name", "lat", "lon", "address", "phone", "is_24h", "open_now"}


def test_open_now_filter_keeps_only_houses_open_on_the_city_clock(api_as, make_house):
    # given a house open around this very moment of the city's clock and one that opens later today
    local = timezone.localtime(timezone.now(), CITY)
    start = (local - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (local + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    open_house = make_house("Open", hours=[(local.weekday(), start, end), ((local.weekday() - 1) % 7, start, end)])
    later = (local + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    latest = (local + timedelta(hours=3)).time().replace(second=0, microsecond=0)
    make_house("Later", lat=ORIGIN[0] + 0.001, hours=[(local.weekday(), later, latest)])

    # when anyone asks for the open ones only
    response = api_as(None).get("/safe-houses", {"lat": ORIGIN[0], "lon": ORIGIN[1], "open_now": "true"})

    # then only the open one is listed, marked open
    assert response.status_code == 200
    assert [(item["id"], item["open_now"]) for item in response.json()["items"]] == [(open_house.id, True)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": 91, "lon": 119.3}, "lat"),
        ({"lat": -91, "lon": 119.3}, "lat"),
        ({"lat": 26.08, "lon": 181}, "lon"),
        ({"lat": "north", "lon": 119.3}, "lat"),
        ({"lat": "nan", "lon": 119.3}, "lat"),
        ({"lat": 26.08, "lon": 119.3, "radius_km": 0}, "radius_km"),
        ({"lat": 26.08, "lon": 119.3, "radius_km": -2}, "radius_km"),
        ({"lat": 26.08, "lon": 119.3, "radius_km": 51}, "radius_km"),
    ],
)
def test_bad_position_or_radius_is_refused_with_422(api_as, params, field):
    response = api_as(None).get("/safe-houses", params)

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert [error["field"] for error in body["details"]["errors"]] == [field]


def _at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """Monday 2026-12-07 (day 0) plus `day` days, at this time of the city's clock, as a UTC instant."""
    local = datetime(2026, 12, 7 + day, hour, minute, second, tzinfo=CITY)
    return local.astimezone(UTC)


LATE_NIGHT = [OpeningHours(weekday=MONDAY, opens=time(22), closes=time(2))]  # Monday 22:00 → Tuesday 02:00


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (_at(MONDAY, 21, 59, 59), False),  # a second before it opens
        (_at(MONDAY, 22), True),  # opening time is open
        (_at(MONDAY, 23, 59, 59), True),
        (_at(TUESDAY, 0), True),  # midnight: still Monday's opening
        (_at(TUESDAY, 1, 59, 59), True),
        (_at(TUESDAY, 2), False),  # closing time is closed
        (_at(TUESDAY, 22, 30), False),  # Tuesday has no opening of its own
        (_at(MONDAY, 1), False),  # Monday early morning belongs to Sunday, which has none
    ],
)
def test_open_now_across_midnight_on_the_city_clock(at, expected):
    assert selectors.hours_open_at(is_24h=False, hours=LATE_NIGHT, at=at) is expected


def test_city_clock_not_utc_decides():
    # 14:30 UTC on Monday is 22:30 in Fuzhou: open, though it is still afternoon in UTC
    assert selectors.hours_open_at(is_24h=False, hours=LATE_NIGHT, at=datetime(2026, 12, 7, 14, 30, tzinfo=UTC))


def test_sunday_night_opening_runs_into_monday():
    hours = [OpeningHours(weekday=SUNDAY, opens=time(20), closes=time(3))]

    assert selectors.hours_open_at(is_24h=False, hours=hours, at=_at(MONDAY, 2, 59))
    assert not selectors.hours_open_at(is_24h=False, hours=hours, at=_at(MONDAY, 3))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (_at(MONDAY, 8, 29), False),
        (_at(MONDAY, 8, 30), True),
        (_at(MONDAY, 21, 29), True),
        (_at(MONDAY, 21, 30), False),
    ],
)
def test_daytime_hours_open_at_opening_and_closed_at_closing(at, expected):
    hours = [OpeningHours(weekday=MONDAY, opens=time(8, 30), closes=time(21, 30))]

    assert selectors.hours_open_at(is_24h=False, hours=hours, at=at) is expected


def test_a_24_hour_house_is_open_at_any_time():
    assert selectors.hours_open_at(is_24h=True, hours=[], at=_at(TUESDAY, 3, 33))


def test_nearest_open_skips_a_nearer_closed_house(make_house):
    # given a nearer house with no opening at all and a farther one open 24 hours
    make_house("Closed", lat=ORIGIN[0] + 0.001)
    open_house = make_house("Open", lat=ORIGIN[0] + 0.01, is_24h=True)

    found = selectors.safe_house_nearest_open(lat=ORIGIN[0], lon=ORIGIN[1])

    assert found is not None
    assert found.id == open_house.id


def test_list_answers_in_a_fixed_number_of_queries(api_as, make_house, django_assert_num_queries, settings):
    # the per-address limit's counter lives in Redis in production, the test database's cache here
    settings.FUBI_RATE_LIMITS = {**settings.FUBI_RATE_LIMITS, "safe_houses_per_address": ""}
    for n in range(5):
        make_house(f"House {n}", lat=ORIGIN[0] + n * 0.001, hours=[(MONDAY, time(9), time(17))])
    client = api_as(None)

    with django_assert_num_queries(2):  # the houses, their hours
        response = client.get("/safe-houses", {"lat": ORIGIN[0], "lon": ORIGIN[1]})

    assert response.json()["count"] == 5
    assert SafeHouse.objects.count() == 5
