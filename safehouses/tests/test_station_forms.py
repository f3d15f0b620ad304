"""The station page's forms: staff add a safe house with its opening hours and put a guard on duty
from the page itself (the same rules as the API); the public search is limited per address."""

from datetime import time

import pytest
from django.test import Client
from django.utils import timezone

from safehouses.models import DutyShift, OpeningHours, SafeHouse
from safehouses.tests.conftest import ORIGIN

pytestmark = pytest.mark.django_db


def _house_form(**extra: object) -> dict:
    return {
        "form": "house",
        "name_zh": "三坊七巷便利店",
        "name_en": "Sanfang store",
        "address": "南后街 8 号",
        "phone": "0591-7654321",
        "lat": ORIGIN[0],
        "lon": ORIGIN[1],
        "weekdays": ["0", "4"],
        "opens": "20:00",
        "closes": "02:00",
        "equipment": ["first_aid", "aed"],
        **extra,
    }


@pytest.fixture
def desk(guard) -> Client:
    client = Client()
    client.force_login(guard)
    return client


def test_staff_add_a_safe_house_with_its_hours_from_the_page(desk, station):
    response = desk.post("/staff/safe-houses/", _house_form())

    assert (response.status_code, response["Location"]) == (302, "/staff/safe-houses/")
    house = SafeHouse.objects.get()
    assert (house.agency, house.name_zh, house.is_24h, house.equipment) == (
        station,
        "三坊七巷便利店",
        False,
        ["first_aid", "aed"],
    )
    hours = list(OpeningHours.objects.order_by("weekday").values_list("weekday", "opens", "closes"))
    assert hours == [(0, time(20), time(2)), (4, time(20), time(2))]
    assert "三坊七巷便利店" in desk.get("/staff/safe-houses/").content.decode()


def test_a_safe_house_without_hours_nor_24_hours_is_refused_with_the_reason(desk):
    response = desk.post("/staff/safe-houses/", _house_form(weekdays=[], opens="", closes=""))

    assert response.status_code == 422
    assert response.context["house_form"].non_field_errors() == [
        "请填写开放的日期和时间，或勾选“24 小时开放”。"  # the page speaks the default language
    ]
    assert SafeHouse.objects.count() == 0


def test_a_24_hour_house_needs_no_hours_and_an_empty_opening_is_refused(desk):
    same = desk.post("/staff/safe-houses/", _house_form(opens="09:00", closes="09:00"))
    always = desk.post("/staff/safe-houses/", _house_form(weekdays=[], opens="", closes="", is_24h="on"))

    assert same.status_code == 422
    assert (always.status_code, SafeHouse.objects.get().is_24h, OpeningHours.objects.count()) == (302, True, 0)


def test_staff_put_a_guard_of_the_station_on_duty(desk, guard, make_house, make_user):
    house = make_house("Kiosk")
    outsider = make_user(display_name="Not of the station")
    start = timezone.localtime().replace(second=0, microsecond=0)
    form = {
        "form": "shift",
        "safe_house": house.id,
        "guard": guard.id,
        "kind": "night",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timezone.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
        "roll_call_count": 3,
    }

    done = desk.post("/staff/safe-houses/", form)
    foreign = desk.post("/staff/safe-houses/", {**form, "guard": outsider.id})

    assert done.status_code == 302
    shift = DutyShift.objects.get()
    assert (shift.guard, shift.kind, shift.roll_call_count, shift.starts_at) == (guard, "night", 3, start)
    assert foreign.status_code == 422  # only the station's staff are offered, and the service checks too
    assert DutyShift.objects.count() == 1


def test_someone_of_no_station_gets_the_403_page(make_user):
    client = Client()
    client.force_login(make_user())

    response = client.post("/staff/safe-houses/", _house_form())

    assert response.status_code == 403
    assert SafeHouse.objects.count() == 0


def test_agency_staff_see_their_safe_houses_and_assigned_cases_in_the_staff_navigation(desk):
    page = desk.get("/staff/safe-houses/").content.decode()

    assert 'data-testid="nav-safe-houses"' in page
    assert 'data-testid="nav-assigned-cases"' in page


def test_the_public_safe_house_search_is_limited_per_address(client, settings):
    settings.FUBI_RATE_LIMITS = {**settings.FUBI_RATE_LIMITS, "safe_houses_per_address": "2/h"}

    answers = [client.get("/api/v1/safe-houses").status_code for _ in range(3)]

    assert answers == [200, 200, 429]
