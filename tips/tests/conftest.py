"""Personas and places for the tips tests: a district → street → community grid tree, its staff,
a funded grid centre, and images good and bad."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from accounts.models import AgencyKind
from accounts.services import grid_membership_add
from accounts.tests.factories import AgencyFactory, GridFactory, box

# district 26.00–26.20 × 119.20–119.40; street west half; community inside the street
DISTRICT_BOX = box(26.00, 119.20, 26.20, 119.40)
STREET_BOX = box(26.00, 119.20, 26.20, 119.30)
COMMUNITY_BOX = box(26.05, 119.22, 26.10, 119.28)
OTHER_BOX = box(30.00, 120.00, 30.10, 120.10)

# Inside the community, inside the street only, inside the district only, outside everything
IN_COMMUNITY = (26.07, 119.25)
IN_STREET_ONLY = (26.15, 119.25)
IN_DISTRICT_ONLY = (26.10, 119.35)
OUTSIDE = (25.50, 119.00)


@pytest.fixture(autouse=True)
def categories(db) -> None:
    """The default categories: a transaction=True test's flush wipes the migration's rows.

    (`db` follows the test's marker, so transactional tests stay transactional.)
    """
    from tips.services import categories_ensure

    categories_ensure()


@pytest.fixture(autouse=True)
def photo_root(settings, tmp_path) -> Path:
    """Each test stores photos in a folder of its own, so rolled-back tests leave nothing around."""
    settings.FUBI_TIPS_PHOTO_ROOT = tmp_path / "tip-photos"
    return settings.FUBI_TIPS_PHOTO_ROOT


@pytest.fixture
def world(db, make_user):
    """The grid tree, its agencies and people, the grid centre funded with 1,000,000 points."""
    from ledger import services as ledger_services

    centre = AgencyFactory(name="Test Grid Centre", kind=AgencyKind.GRID_CENTRE)
    street_office = AgencyFactory(name="Test Street Office", kind=AgencyKind.STREET_OFFICE)
    district = GridFactory(code="t-district", level="district", boundary=DISTRICT_BOX, handling_agency=centre)
    street = GridFactory(
        code="t-street", level="street", boundary=STREET_BOX, parent=district, handling_agency=street_office
    )
    community = GridFactory(code="t-community", level="community", boundary=COMMUNITY_BOX, parent=street)
    other = GridFactory(code="t-other", level="district", boundary=OTHER_BOX)
    centre.grid = district
    centre.save()
    ledger_services.agency_fund(agency=centre, amount=1_000_000, idempotency_key="test:fund:centre")

    citizen = make_user(display_name="Reporter Rui")
    citizen2 = make_user(display_name="Second Reporter")
    district_staff = make_user(display_name="District Staff")
    grid_membership_add(user=district_staff, grid=district)
    community_staff = make_user(display_name="Community Staff")
    grid_membership_add(user=community_staff, grid=community)
    other_staff = make_user(display_name="Other Staff")
    grid_membership_add(user=other_staff, grid=other)
    auditor = make_user(display_name="Auditor", roles=["auditor"])
    return {
        "centre": centre,
        "street_office": street_office,
        "district": district,
        "street": street,
        "community": community,
        "other": other,
        "citizen": citizen,
        "citizen2": citizen2,
        "district_staff": district_staff,
        "community_staff": community_staff,
        "other_staff": other_staff,
        "auditor": auditor,
    }


def jpeg_bytes(size: tuple[int, int] = (64, 48), *, gps: bool = False, orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    for x in range(size[0] // 2):  # a mark on the left half, to see rotation
        image.putpixel((x, 0), (0, 0, 255))
    exif = Image.Exif()
    if gps:
        exif[ExifTags.Base.Make] = "SecretCam"
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (26.0, 4.0, 48.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (119.0, 18.0, 0.0),
        }
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (40, 30), mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 10, 128) if mode == "RGBA" else (10, 120, 10)).save(out, "PNG")
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb_bytes(width: int = 40_000, height: int = 40_000) -> bytes:
    """A few hundred bytes claiming a 40,000 × 40,000 RGB bitmap: the header is all it takes."""
    header = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    rows = zlib.compress(b"\x00" * (1 + 3 * width) * 4, 9)  # four rows; the rest is never reached
    return b"\x89PNG\r\n\x1a\n" + header + _png_chunk(b"IDAT", rows) + _png_chunk(b"IEND", b"")


def upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files() -> list[Path]:
    """Every file under the private photo root and MEDIA_ROOT."""
    found = []
    for root in (Path(settings.FUBI_TIPS_PHOTO_ROOT), Path(settings.MEDIA_ROOT)):
        if root.exists():
            found += [path for path in root.rglob("*") if path.is_file()]
    return sorted(found)


def tip_form(lat_lon: tuple[float, float] = IN_COMMUNITY, **extra: object) -> dict:
    form = {"category": "urban_management", "description": "Broken street light", "lat": lat_lon[0], "lon": lat_lon[1]}
    form.update(extra)
    return form


@pytest.fixture
def submit(api_as):
    """submit(user, **form) → the POST /tips response (multipart)."""

    def run(user, photos=(), **form_fields):
        data = {key: value for key, value in tip_form(**form_fields).items() if value is not None}
        if photos:
            data["photos"] = list(photos)
        return api_as(user).post("/tips", data=data)

    return run


def race_codes(fn, items) -> list[object]:
    """fn(item) for every item on racing connections (tests.races.race): what each returned, or
    its domain error's code."""
    from core.errors import DomainError
    from tests.races import race

    return [r.code if isinstance(r, DomainError) else r for r in race(fn, items, expected=DomainError)]
