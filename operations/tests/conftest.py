"""The tips tests' world (a grid tree, its staff, a funded grid centre) and on-call volunteers around
its community."""

import pytest

from tasks_app import services as task_services
from tips import services as tip_services
from tips.tests.conftest import IN_COMMUNITY, categories, photo_root, world  # noqa: F401 - fixtures

# North of the case's place by these metres (1° of latitude ≈ 111,195 m)
VOLUNTEER_METRES = {"near": 300, "middle": 1200, "far": 3500, "too_far": 30_000}


def north_of(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return point[0] + metres / 111_195, point[1]


@pytest.fixture
def volunteers(world, make_user) -> dict:  # noqa: F811 - the imported fixture
    """On-call citizens north of the community's point, and one who is off call right beside it."""
    people = {}
    for name, metres in VOLUNTEER_METRES.items():
        user = make_user(display_name=f"Volunteer {name.title()}")
        lat, lon = north_of(IN_COMMUNITY, metres)
        task_services.volunteer_on_call_set(user=user, on_call=True, lat=lat, lon=lon, accuracy_m=10)
        people[name] = user
    people["off_call"] = make_user(display_name="Off Call")
    task_services.volunteer_on_call_set(user=people["off_call"], on_call=False)
    return people


@pytest.fixture
def sos_case(world):  # noqa: F811
    """An SOS the community's citizen sent from the community's point."""
    return tip_services.tip_submit(
        reporter=world["citizen"],
        category_code="fighting",
        description="Two men fighting with knives",
        lat=IN_COMMUNITY[0],
        lon=IN_COMMUNITY[1],
        kind="sos",
    )
