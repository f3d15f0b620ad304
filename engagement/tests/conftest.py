"""Engagement's world: a grid tree, a funded police station and grid centre, and helpers that make
real activity through the other apps' services (tasks paid, tips verified) or the ledger (points),
optionally at a chosen moment (timezone.now patched, so the ledger stamps postings then)."""

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from accounts.models import AgencyKind, GridLevel
from accounts.services import grid_membership_add
from accounts.tests.factories import AgencyFactory, GridFactory, box
from engagement.rules import CITY_TZ, is_night_window
from ledger import services as ledger_services
from tasks_app import services as task_services
from tasks_app.models import Task
from tips import services as tip_services
from tips.models import TipCategory

DISTRICT_BOX = box(26.00, 119.20, 26.20, 119.40)
WEST_BOX = box(26.05, 119.22, 26.10, 119.28)  # community "West"
EAST_BOX = box(26.05, 119.32, 26.10, 119.38)  # community "East"
IN_WEST = (26.0712, 119.2512)
IN_EAST = (26.0712, 119.3512)
_keys = itertools.count()


def shanghai(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CITY_TZ)


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    """Everything that asks django.utils.timezone.now() (auto_now_add included) gets this moment."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@pytest.fixture
def world(db, make_user):
    district = GridFactory(code="e-district", name="District", level=GridLevel.DISTRICT, boundary=DISTRICT_BOX)
    west = GridFactory(
        code="e-west", name="West community", level=GridLevel.COMMUNITY, boundary=WEST_BOX, parent=district
    )
    east = GridFactory(
        code="e-east", name="East community", level=GridLevel.COMMUNITY, boundary=EAST_BOX, parent=district
    )
    centre = AgencyFactory(name="Grid centre", kind=AgencyKind.GRID_CENTRE, grid=district)
    district.handling_agency = centre
    district.save()
    police = AgencyFactory(name="Police station", kind=AgencyKind.POLICE_STATION)
    ledger_services.agency_fund(agency=centre, amount=10_000_000, idempotency_key="e-test:fund:centre")
    ledger_services.agency_fund(agency=police, amount=10_000_000, idempotency_key="e-test:fund:police")
    staff = make_user(display_name="Officer", roles=["agency_staff"])
    from accounts.services import agency_membership_add

    agency_membership_add(user=staff, agency=police)
    grid_staff = make_user(display_name="Grid staff", roles=["grid_staff"])
    grid_membership_add(user=grid_staff, grid=district)
    return {
        "district": district,
        "west": west,
        "east": east,
        "centre": centre,
        "police": police,
        "staff": staff,
        "grid_staff": grid_staff,
    }


def earn(world: dict, user, amount: int, at: datetime | None = None, kind: str = "task_payout"):
    """Credit a citizen `amount` earned points through the ledger (at a chosen moment)."""
    with frozen(at or timezone.now()):
        return ledger_services.transfer_post(
            kind=kind,
            source=ledger_services.agency_budget_account(world["police"]),
            destination=ledger_services.citizen_account(user),
            amount=amount,
            idempotency_key=f"e-test:earn:{next(_keys)}",
        )


def paid_task(
    world: dict,
    user,
    *,
    category: str = "night_patrol",
    starts_at: datetime | None = None,
    hours: float = 2,
    at: tuple[float, float] = IN_WEST,
    points: int = 100,
):
    """A task published, claimed, checked in and out, and approved through the tasks services.

    Without starts_at the task sits around now when that stays in daylight in the city, else at the
    latest 09:00 (city time) that has begun: today's, or before 09:00 yesterday's, never one still to
    come, which reports counted "until now" would leave out. Only tests that ask for a night window
    earn the night-owl badge, whatever the hour the suite runs at.
    """
    now = timezone.now()
    if starts_at is None:
        starts_at = now - timedelta(minutes=10)
        if is_night_window(starts_at, starts_at + timedelta(hours=hours)):
            starts_at = timezone.localtime(now, CITY_TZ).replace(hour=9, minute=0, second=0, microsecond=0)
            if starts_at > now:
                starts_at -= timedelta(days=1)
    ends_at = starts_at + timedelta(hours=hours)
    # The services refuse to create a task that is already over: such a one is made an hour ahead,
    # then moved back into its window, where the claim, the check-ins and the approval happen.
    made_at = starts_at if ends_at > now else now + timedelta(hours=1)
    task = task_services.task_create(
        agency=world["police"],
        created_by=world["staff"],
        title=f"{category} task",
        category=category,
        lat=at[0],
        lon=at[1],
        radius_m=200,
        starts_at=made_at,
        ends_at=made_at + timedelta(hours=hours),
        headcount=3,
        points=points,
        min_minutes=0,
        auto_approve=False,
    )
    task = task_services.task_publish(task=task, user=world["staff"])
    if made_at != starts_at:
        Task.objects.filter(pk=task.pk).update(starts_at=starts_at, ends_at=ends_at)
        task.refresh_from_db()
    inside = starts_at + timedelta(minutes=5)
    claim = task_services.claim_create(task=task, user=user, now=inside)
    for kind, moment in (("in", inside), ("out", inside + timedelta(minutes=30))):
        task_services.checkin_record(
            claim=claim, kind=kind, lat=at[0], lon=at[1], accuracy_m=10, recorded_at=moment, now=moment
        )
    return task_services.claim_approve(claim=claim, user=world["staff"], now=inside + timedelta(minutes=31))


def verified_tip(
    world: dict,
    user,
    *,
    category: str = "fighting",
    at: tuple[float, float] = IN_WEST,
    verify=True,
    accept=False,
    public_from: str | None = None,
):
    """A tip submitted, accepted and (unless verify=False) verified through the tips services.

    verify=False, accept=True: submitted and accepted only. A category made here counts publicly
    once accepted; `public_from` sets it (the default categories of migration 0002 count allegations
    such as fighting and drugs only once verified).
    """
    made, _new = TipCategory.objects.get_or_create(
        code=category,
        defaults={"name_zh": category, "name_en": category, "default_reward_points": 200, "public_from": "accepted"},
    )
    if public_from is not None and made.public_from != public_from:
        TipCategory.objects.filter(pk=made.pk).update(public_from=public_from)
    tip = tip_services.tip_submit(
        reporter=user, category_code=category, description="Seen at the corner.", lat=at[0], lon=at[1]
    )
    steps = ("accept", "assign", "verify") if verify else ("accept",) if accept else ()
    for action in steps:
        tip = tip_services.case_transition(tip=tip, actor=world["grid_staff"], action=action)
    return tip
