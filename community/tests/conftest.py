"""Community groups for the tests: two community grids under a district, a station with a duty desk,
the six personas of the issue (member, member of another community, officer, duty staff, other
station's staff, anonymous), and a photo with GPS in its EXIF."""

import json
import uuid
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Agency, AgencyKind, Grid, GridLevel, User
from accounts.services import agency_membership_add
from accounts.tests.factories import AgencyFactory, GridFactory, box
from community import services
from community.models import DutyDesk, Group, Membership
from live.log import MemoryLog, event_log
from safehouses.tests.conftest import jpeg_with_gps
from tips.services import categories_ensure


@dataclass
class Town:
    district: Grid
    east: Grid
    west: Grid
    station: Agency
    other_station: Agency
    desk: DutyDesk
    group: Group  # the east community's group
    other_group: Group  # the west community's group
    member: User
    other_member: User  # a member of the west community's group
    officer: User
    duty: User  # staff of the station (its duty desk)
    other_staff: User  # staff of another station
    lead: User  # the station's lead


@pytest.fixture(autouse=True)
def photo_root(settings, tmp_path):
    settings.FUBI_TIPS_PHOTO_ROOT = tmp_path / "tip-photos"
    return tmp_path


@pytest.fixture
def town(db, make_user) -> Town:
    categories_ensure()
    district = GridFactory(code="c-district", level=GridLevel.DISTRICT, boundary=box(26.00, 119.20, 26.20, 119.40))
    east = GridFactory(
        code="c-east", level=GridLevel.COMMUNITY, parent=district, boundary=box(26.05, 119.30, 26.10, 119.35)
    )
    west = GridFactory(
        code="c-west", level=GridLevel.COMMUNITY, parent=district, boundary=box(26.05, 119.20, 26.10, 119.25)
    )
    station = AgencyFactory(name="East Police Station", kind=AgencyKind.POLICE_STATION)
    other_station = AgencyFactory(name="West Police Station", kind=AgencyKind.POLICE_STATION)
    people = {
        name: make_user(display_name=label)
        for name, label in [
            ("member", "Resident Zhang"),
            ("other_member", "Resident Li"),
            ("officer", "Officer Wang"),
            ("duty", "Desk Chen"),
            ("other_staff", "Other Station Zhao"),
            ("lead", "Lead Sun"),
        ]
    }
    for name in ("duty", "lead"):
        agency_membership_add(user=people[name], agency=station)
    agency_membership_add(user=people["other_staff"], agency=other_station)
    desk = DutyDesk.objects.create(station=station, name="East duty desk", lead=people["lead"])
    group = services.community_group_ensure(grid=east, station_id=station.id)
    other_group = services.community_group_ensure(grid=west, station_id=other_station.id)
    services.officer_set(group=group, user=people["officer"])
    services.group_join(group=group, user=people["member"])
    services.group_join(group=other_group, user=people["other_member"])
    return Town(district, east, west, station, other_station, desk, group, other_group, **people)


@pytest.fixture
def memory_log(settings) -> MemoryLog:
    """Live events (live.publish) kept in this test's own in-memory log."""
    settings.FUBI_LIVE_REDIS_URL = ""
    settings.FUBI_LIVE_STREAM_KEY = f"fubi:live:test:{uuid.uuid4().hex}"
    return event_log()


def live_events(log: MemoryLog, event: str) -> list[dict]:
    return [record for record in map(json.loads, (r for _id, r in log.after((0, 0)))) if record["event"] == event]


def member_count(group: Group) -> int:
    return Membership.objects.filter(group=group, removed_at__isnull=True).count()


def photo_upload(name: str = "post.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_with_gps(), content_type="image/jpeg")
