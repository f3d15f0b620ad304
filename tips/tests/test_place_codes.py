"""Place codes (issue 13, hole 3): a printed code belongs to one grid. Staff of another grid cannot
re-point it (staff page, API, admin), its own staff move it only inside its grid, and codes are
validated slugs. Written as the attacks."""

import importlib

import pytest
from django.apps import apps
from django.test import Client

from tips import services
from tips.models import PlaceCode
from tips.tests.conftest import IN_COMMUNITY, IN_STREET_ONLY

pytestmark = pytest.mark.django_db

IN_OTHER = (30.05, 120.05)  # inside the other district's grid
NEAR_GATE = (26.072, 119.252)  # inside the community, 250 m from the gate


EN = {"Accept-Language": "en"}  # the messages asserted below are the English ones


def page_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def gate(world) -> PlaceCode:
    """The community's printed door plate, made by the community's own staff."""
    return services.place_code_create(
        actor=world["community_staff"], code="school-gate", name="School gate", lat=IN_COMMUNITY[0], lon=IN_COMMUNITY[1]
    )


def where(place: PlaceCode) -> tuple:
    place.refresh_from_db()
    return place.name, place.lat, place.lon, place.grid.code, place.is_active


def test_staff_of_another_grid_cannot_re_point_a_printed_code_from_the_staff_page(world, gate, submit) -> None:
    # given the community's plate "school-gate"
    before = where(gate)
    # when staff of another district save the same code at a point of theirs on the place-code page
    response = page_client(world["other_staff"]).post(
        "/staff/place-codes/", {"code": "school-gate", "name": "Ours now", "lat": IN_OTHER[0], "lon": IN_OTHER[1]}
    )
    # then the page refuses it as a taken code and the plate is where it was
    assert response.status_code == 409
    assert "This place code is already taken" in response.content.decode()
    assert where(gate) == before
    # and an anonymous tip from the plate still reaches the community's queue
    tip = submit(world["citizen"], lat_lon=(None, None), place_code="school-gate", anonymous="true")
    assert tip.status_code == 201, tip.content
    assert tip.json()["grid"]["code"] == "t-community"


def test_staff_of_another_grid_cannot_patch_a_code_through_the_api(world, gate, api_as) -> None:
    # given the community's plate
    before = where(gate)
    # when staff of another district move it to their district through the API
    response = api_as(world["other_staff"]).patch(
        "/tips/place-codes/school-gate", {"lat": IN_OTHER[0], "lon": IN_OTHER[1], "name": "Ours now"}, headers=EN
    )
    # then it is not theirs: 404, as for a code that does not exist, and nothing changed
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "No such place code in your grids.",
        "details": {"place_code": "school-gate"},
    }
    assert where(gate) == before


def test_staff_of_a_child_grid_cannot_change_a_code_of_the_parent_grid(world, api_as) -> None:
    # given a plate of the street grid (its point lies in the street, in no community)
    street_plate = services.place_code_create(
        actor=world["district_staff"], code="street-plate", name="Street", lat=IN_STREET_ONLY[0], lon=IN_STREET_ONLY[1]
    )
    assert street_plate.grid == world["street"]
    before = where(street_plate)
    # when the community's staff try to deactivate it
    response = api_as(world["community_staff"]).patch("/tips/place-codes/street-plate", {"is_active": False})
    # then 404: only the street's staff and those above it may
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert where(street_plate) == before


def test_a_grids_own_staff_cannot_move_its_code_outside_the_grid(world, gate, api_as) -> None:
    before = where(gate)
    # when the community's staff move the plate to a point of the street outside the community
    response = api_as(world["community_staff"]).patch(
        "/tips/place-codes/school-gate", {"lat": IN_STREET_ONLY[0], "lon": IN_STREET_ONLY[1]}
    )
    # then 422 place_outside_grid: its tips would leave the community's queue
    assert response.status_code == 422
    assert response.json()["code"] == "place_outside_grid"
    assert response.json()["details"]["grid"] == "t-community"
    assert where(gate) == before


def test_staff_of_the_parent_grid_move_and_rename_a_code_inside_its_grid(world, gate, api_as) -> None:
    # when the district's staff (above the community) move the plate 250 m, inside the community
    response = api_as(world["district_staff"]).patch(
        "/tips/place-codes/school-gate", {"lat": NEAR_GATE[0], "lon": NEAR_GATE[1], "name": "School gate (east)"}
    )
    # then it moved, and it still belongs to the community
    assert response.status_code == 200, response.content
    assert response.json() == {
        "code": "school-gate",
        "name": "School gate (east)",
        "lat": NEAR_GATE[0],
        "lon": NEAR_GATE[1],
        "grid": {"id": world["community"].id, "code": "t-community", "name": world["community"].name},
        "is_active": True,
    }
    assert where(gate) == ("School gate (east)", NEAR_GATE[0], NEAR_GATE[1], "t-community", True)


def test_staff_cannot_make_a_code_in_another_grids_area_from_the_page(world) -> None:
    # when staff of another district print a new code at a point of the community
    response = page_client(world["other_staff"]).post(
        "/staff/place-codes/", {"code": "fake-plate", "name": "Fake", "lat": IN_COMMUNITY[0], "lon": IN_COMMUNITY[1]}
    )
    # then 422: the point is outside their grids, and no code exists
    assert response.status_code == 422
    assert "This point is outside your grids." in response.content.decode()
    assert not PlaceCode.objects.filter(code="fake-plate").exists()


def test_staff_cannot_make_a_code_in_another_grids_area_through_the_api(world, api_as) -> None:
    response = api_as(world["other_staff"]).post(
        "/tips/place-codes", {"code": "fake-plate", "name": "Fake", "lat": IN_COMMUNITY[0], "lon": IN_COMMUNITY[1]}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "place_outside_grid"
    assert not PlaceCode.objects.filter(code="fake-plate").exists()


def test_a_taken_code_cannot_be_created_again_by_another_grid(world, gate, api_as) -> None:
    before = where(gate)
    response = api_as(world["other_staff"]).post(
        "/tips/place-codes", {"code": "school-gate", "name": "Ours", "lat": IN_OTHER[0], "lon": IN_OTHER[1]}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "place_code_taken"
    assert where(gate) == before


def test_grid_staff_create_a_code_that_belongs_to_the_innermost_grid(world, api_as) -> None:
    response = api_as(world["district_staff"]).post(
        "/tips/place-codes", {"code": "corner-shop-2", "name": "Corner shop", "lat": 26.071, "lon": 119.251}
    )
    assert response.status_code == 201, response.content
    assert response.json()["grid"]["code"] == "t-community"
    assert PlaceCode.objects.get(code="corner-shop-2").grid == world["community"]


@pytest.mark.parametrize(
    "code",
    [
        "School-Gate",
        "school_gate",
        "ab",
        "a" * 41,
        "-gate",
        "gate-",
        "gate--2",
        "gate/2",
        "gate 2",
        "门牌",
    ],
)
def test_a_code_that_is_no_slug_is_refused_with_422(world, api_as, code) -> None:
    response = api_as(world["district_staff"]).post(
        "/tips/place-codes", {"code": code, "name": "Gate", "lat": IN_COMMUNITY[0], "lon": IN_COMMUNITY[1]}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_place_code"
    assert not PlaceCode.objects.exists()


def test_a_code_with_nul_is_refused_as_text_no_field_can_hold(world, api_as) -> None:
    # NUL is refused for every field before the place-code rules (config.api.FubiParser)
    response = api_as(world["district_staff"]).post(
        "/tips/place-codes", {"code": "gate\x002", "name": "Gate", "lat": IN_COMMUNITY[0], "lon": IN_COMMUNITY[1]}
    )
    assert (response.status_code, response.json()["code"]) == (422, "invalid")
    assert response.json()["details"]["errors"][0]["field"] == "code"
    assert not PlaceCode.objects.exists()


def test_the_page_refuses_a_code_that_is_no_slug(world) -> None:
    # the page lowercases what staff type, but an underscore is no part of a printed code
    response = page_client(world["district_staff"]).post(
        "/staff/place-codes/", {"code": "school_gate", "name": "Gate", "lat": IN_COMMUNITY[0], "lon": IN_COMMUNITY[1]}
    )
    assert response.status_code == 422
    assert not PlaceCode.objects.exists()


def test_citizens_cannot_make_or_change_codes(world, gate, api_as) -> None:
    citizen = api_as(world["citizen"])
    made = citizen.post("/tips/place-codes", {"code": "my-plate", "name": "Mine", "lat": 26.071, "lon": 119.251})
    changed = citizen.patch("/tips/place-codes/school-gate", {"is_active": False})
    assert (made.status_code, made.json()["code"]) == (403, "forbidden")
    assert (changed.status_code, changed.json()["code"]) == (403, "forbidden")
    assert not PlaceCode.objects.filter(code="my-plate").exists()
    assert where(gate)[4] is True


def test_staff_list_only_the_codes_of_their_grids(world, gate, api_as) -> None:
    services.place_code_create(actor=world["other_staff"], code="far-plate", name="Far", lat=30.05, lon=120.05)
    assert [item["code"] for item in api_as(world["community_staff"]).get("/tips/place-codes").json()["items"]] == [
        "school-gate"
    ]
    assert [item["code"] for item in api_as(world["other_staff"]).get("/tips/place-codes").json()["items"]] == [
        "far-plate"
    ]


@pytest.fixture
def admin_client(db, make_user) -> Client:
    admin = make_user(is_staff=True, is_superuser=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    return client


def test_the_admin_refuses_a_code_that_is_no_slug(world, admin_client) -> None:
    response = admin_client.post(
        "/admin/tips/placecode/add/",
        {
            "code": "School_Gate",
            "name": "Gate",
            "lat": IN_COMMUNITY[0],
            "lon": IN_COMMUNITY[1],
            "grid": world["community"].pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert not PlaceCode.objects.exists()
    assert "single hyphens" in response.content.decode()


def test_the_admin_refuses_to_move_a_code_outside_its_grid(world, gate, admin_client) -> None:
    before = where(gate)
    response = admin_client.post(
        f"/admin/tips/placecode/{gate.pk}/change/",
        {
            "name": "Moved",
            "lat": IN_OTHER[0],
            "lon": IN_OTHER[1],
            "grid": world["other"].pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "This point is outside the grid the place code belongs to." in response.content.decode()
    assert where(gate) == before


def test_the_admin_adds_a_code_to_the_innermost_grid_through_the_service(world, admin_client) -> None:
    response = admin_client.post(
        "/admin/tips/placecode/add/",
        {"code": "east-gate", "name": "East gate", "lat": IN_COMMUNITY[0], "lon": IN_COMMUNITY[1], "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PlaceCode.objects.get(code="east-gate").grid == world["community"]


def test_the_migration_gives_every_code_the_innermost_grid_containing_its_point(world) -> None:
    # given a code stored with a grid that does not contain its point (as the old admin allowed)
    stray = PlaceCode.objects.create(
        code="stray", name="Stray", lat=IN_COMMUNITY[0], lon=IN_COMMUNITY[1], grid=world["other"]
    )
    # when the data migration runs
    migration = importlib.import_module("tips.migrations.0006_place_code_slug_and_grid")
    migration.assign_innermost_grid(apps, None)
    # then it belongs to the innermost grid containing its point
    stray.refresh_from_db()
    assert stray.grid == world["community"]
