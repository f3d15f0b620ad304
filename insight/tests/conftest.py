"""Insight's world: a district with three communities of known population, its grid centre's staff,
the default tip categories, and a helper that makes public tips through the tips services at a
chosen moment (timezone.now patched, so created_at is then)."""

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from accounts.models import AgencyKind, GridLevel
from accounts.services import grid_membership_add
from accounts.tests.factories import AgencyFactory, GridFactory, box
from ledger import services as ledger_services
from tips import services as tip_services

CITY = ZoneInfo("Asia/Shanghai")
DISTRICT_BOX = box(26.00, 119.20, 26.20, 119.40)
# three communities side by side; (lat, lon) inside each
NORTH = (26.1512, 119.2512)
SOUTH = (26.0512, 119.2512)
EAST = (26.1012, 119.3512)
_n = itertools.count()


def city(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CITY)


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@pytest.fixture
def town(db, make_user) -> dict:
    tip_services.categories_ensure()
    district = GridFactory(code="i-district", name="Gulou", level=GridLevel.DISTRICT, boundary=DISTRICT_BOX)
    communities = {
        "north": GridFactory(
            code="i-north", name="North 社区", boundary=box(26.13, 119.22, 26.18, 119.28), parent=district,
            population=4000,
        ),
        "south": GridFactory(
            code="i-south", name="South 社区", boundary=box(26.03, 119.22, 26.08, 119.28), parent=district,
            population=1000,
        ),
        "east": GridFactory(
            code="i-east", name="East 社区", boundary=box(26.08, 119.32, 26.13, 119.38), parent=district,
            population=0,  # no population on record: never ranked
        ),
    }  # fmt: skip
    centre = AgencyFactory(name="Gulou grid centre", kind=AgencyKind.GRID_CENTRE, grid=district)
    district.handling_agency = centre
    district.save()
    ledger_services.agency_fund(agency=centre, amount=10_000_000, idempotency_key=f"i-test:fund:{next(_n)}")
    staff = make_user(display_name="Desk", roles=["grid_staff"])
    grid_membership_add(user=staff, grid=district)
    return {"district": district, **communities, "staff": staff, "reporter": make_user(display_name="Reporter")}


def public_tip(
    town: dict,
    *,
    at: datetime,
    where: tuple[float, float] = NORTH,
    category: str = "urban_management",
    description: str = "楼道堆物",
    step: str = "verify",
):
    """A tip submitted at `at` and taken by the district's staff up to `step` (accept or verify)."""
    spot = (round(where[0] + 0.0001 * (next(_n) % 7), 6), where[1])
    with frozen(at):
        tip = tip_services.tip_submit(
            reporter=town["reporter"], category_code=category, description=description, lat=spot[0], lon=spot[1]
        )
        actions = {"none": (), "accept": ("accept",), "verify": ("accept", "assign", "verify")}[step]
        for action in actions:
            tip = tip_services.case_transition(tip=tip, actor=town["staff"], action=action)
    return tip
