"""The registry kept by a station's staff: safe houses with their hours, and duty shifts."""

from datetime import time, timedelta

from django.utils import timezone

from accounts.services import agency_membership_add
from accounts.tests.factories import AgencyFactory
from safehouses.models import DutyShift, OpeningHours, SafeHouse
from safehouses.tests.conftest import ORIGIN


def _house_body(**extra: object) -> dict:
    return {
        "name_zh": "鼓楼便利店安全屋",
        "name_en": "Gulou store safe house",
        "lat": ORIGIN[0],
        "lon": ORIGIN[1],
        "address": "鼓楼路 1 号",
        "phone": "0591-1234567",
        "equipment": ["first_aid", "aed"],
        "hours": [{"weekday": 4, "opens": "20:00", "closes": "02:00"}],
        **extra,
    }


def test_station_staff_add_a_safe_house_with_hours(api_as, guard, station):
    response = api_as(guard).post("/safe-houses", _house_body())

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["agency_id"], body["equipment"]) == (station.id, ["first_aid", "aed"])
    assert body["hours"] == [{"weekday": 4, "opens": "20:00:00", "closes": "02:00:00"}]
    assert SafeHouse.objects.get().name_zh == "鼓楼便利店安全屋"


def test_unknown_equipment_is_refused_with_422(api_as, guard):
    response = api_as(guard).post("/safe-houses", _house_body(equipment=["jetpack"]))

    assert (response.status_code, response.json()["code"], response.json()["details"]["field"]) == (
        422,
        "invalid",
        "equipment",
    )
    assert SafeHouse.objects.count() == 0


def test_an_empty_opening_is_refused_with_422(api_as, guard):
    response = api_as(guard).post(
        "/safe-houses", _house_body(hours=[{"weekday": 1, "opens": "09:00", "closes": "09:00"}])
    )

    assert (response.status_code, response.json()["code"]) == (422, "invalid")
    assert (SafeHouse.objects.count(), OpeningHours.objects.count()) == (0, 0)


def test_an_hour_with_a_zone_offset_is_refused_with_422(api_as, guard):
    # the fuzz test sent "03:12:25+18:01": no hour on the city's clock, and PostgreSQL refused it with a 500
    response = api_as(guard).post(
        "/safe-houses", _house_body(hours=[{"weekday": 1, "opens": "03:12:25+18:01", "closes": "09:00"}])
    )

    body = response.json()
    assert (response.status_code, body["code"]) == (422, "invalid")
    assert [error["field"] for error in body["details"]["errors"]] == ["hours.0.opens"]
    assert (SafeHouse.objects.count(), OpeningHours.objects.count()) == (0, 0)


def test_patch_replaces_the_hours_and_keeps_other_fields(api_as, guard, make_house):
    house = make_house("Kiosk", hours=[(0, time(9), time(17))])

    response = api_as(guard).patch(
        f"/safe-houses/{house.id}", {"phone": "110", "hours": [{"weekday": 6, "opens": "10:00", "closes": "12:00"}]}
    )

    assert response.status_code == 200, response.content
    house.refresh_from_db()
    assert (house.phone, house.name_zh) == ("110", "Kiosk")
    assert list(house.hours.values_list("weekday", flat=True)) == [6]


def test_another_stations_safe_house_is_not_found(api_as, make_user, make_house):
    house = make_house("Kiosk")
    stranger = make_user()
    agency_membership_add(user=stranger, agency=AgencyFactory(name="Other Station"))

    response = api_as(stranger).patch(f"/safe-houses/{house.id}", {"phone": "110"})

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    house.refresh_from_db()
    assert house.phone == "0591-1234567"


def test_shift_for_a_guard_of_the_station(api_as, guard, make_house):
    house = make_house("Kiosk", is_24h=True)
    starts = timezone.now() + timedelta(hours=1)

    response = api_as(guard).post(
        f"/safe-houses/{house.id}/shifts",
        {
            "guard_id": guard.id,
            "kind": "night",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=8)).isoformat(),
            "roll_call_count": 3,
        },
    )

    assert response.status_code == 201, response.content
    shift = DutyShift.objects.get()
    assert (shift.guard_id, shift.kind, shift.roll_call_count) == (guard.id, "night", 3)


def test_shift_for_someone_not_of_the_station_is_refused(api_as, guard, make_house, make_user):
    house = make_house("Kiosk", is_24h=True)
    outsider = make_user()
    starts = timezone.now() + timedelta(hours=1)

    response = api_as(guard).post(
        f"/safe-houses/{house.id}/shifts",
        {
            "guard_id": outsider.id,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=8)).isoformat(),
        },
    )

    assert (response.status_code, response.json()["code"]) == (422, "guard_not_station_staff")
    assert DutyShift.objects.count() == 0


def test_shift_ending_before_it_starts_is_refused(api_as, guard, make_house):
    house = make_house("Kiosk", is_24h=True)
    starts = timezone.now() + timedelta(hours=1)

    response = api_as(guard).post(
        f"/safe-houses/{house.id}/shifts",
        {"guard_id": guard.id, "starts_at": starts.isoformat(), "ends_at": (starts - timedelta(hours=1)).isoformat()},
    )

    assert (response.status_code, response.json()["code"]) == (422, "invalid")
    assert DutyShift.objects.count() == 0
