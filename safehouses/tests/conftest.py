"""Safe houses for the tests: a station (agency) with its staff, houses at known places, a guard's shift."""

import io
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import ExifTags, Image

from accounts.services import agency_membership_add
from accounts.tests.factories import AgencyFactory
from safehouses.models import DutyShift, OpeningHours, SafeHouse

ORIGIN = (26.0800, 119.3000)


@pytest.fixture(autouse=True)
def photo_root(settings, tmp_path) -> Path:
    settings.FUBI_TIPS_PHOTO_ROOT = tmp_path / "tip-photos"  # roll-call photos go beside it
    return tmp_path / "roll-calls"


@pytest.fixture
def station(db):
    return AgencyFactory(name="Test Police Station")


@pytest.fixture
def make_house(station):
    def make(
        name: str = "Safe house",
        lat: float = ORIGIN[0],
        lon: float = ORIGIN[1],
        is_24h: bool = False,
        hours: list[tuple[int, time, time]] = (),
        agency=None,
    ) -> SafeHouse:
        house = SafeHouse.objects.create(
            name_zh=name,
            name_en=name,
            lat=lat,
            lon=lon,
            address=f"{name} street 1",
            phone="0591-1234567",
            is_24h=is_24h,
            agency=agency or station,
        )
        for weekday, opens, closes in hours:
            OpeningHours.objects.create(safe_house=house, weekday=weekday, opens=opens, closes=closes)
        return house

    return make


@pytest.fixture
def guard(make_user, station):
    user = make_user(display_name="Guard Wang")
    agency_membership_add(user=user, agency=station)
    return user


@pytest.fixture
def make_shift(make_house, guard):
    def make(starts_at: datetime | None = None, hours: float = 1, roll_call_count: int = 1, house=None, user=None):
        starts_at = starts_at or timezone.now() - timedelta(hours=1)
        return DutyShift.objects.create(
            safe_house=house or make_house(is_24h=True),
            guard=user or guard,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours),
            roll_call_count=roll_call_count,
        )

    return make


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (30, 120, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (26.0, 4.0, 48.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def photo_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("post.jpg", jpeg_with_gps(), content_type="image/jpeg")
