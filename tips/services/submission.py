"""Submitting tips: from the app (citizens) and from partners (Open311, with the keys issued here).

Everything is checked (photos included) before one transaction writes the tip, its photos and its
first event; a photo's thumbnail is made after commit through core.outbox.
"""

import secrets
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import grid_innermost_containing
from core.errors import InvalidError
from tips import photos as photo_checks
from tips.errors import (
    LocationRequiredError,
    NotCitizenError,
    OutsideServiceAreaError,
    TooManyPhotosError,
    UnknownCategoryError,
    UnknownPlaceCodeError,
)
from tips.models import (
    CaseAction,
    CaseEvent,
    PartnerApiKey,
    PlaceCode,
    PublicFrom,
    Tip,
    TipCategory,
    TipKind,
    TipPhoto,
    TipSource,
    TipStatus,
    private_storage,
)
from tips.photo_store import photo_files_atomic, tip_photos_store
from tips.services.alerts import _notify_status, _sos_alert

MAX_DESCRIPTION = 4000


REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone


# The issue's categories (the data migration 0002 holds the same list): code, zh, en, accept
# minutes, verify hours, default reward, listed publicly in Open311.
DEFAULT_CATEGORIES = [
    ("drugs", "涉毒线索", "Drug activity", 15, 24, 500, False),
    ("fighting", "打架斗殴", "Fighting", 10, 12, 200, False),
    ("mental_health", "疑似未登记精神障碍患者", "Possibly unregistered mentally ill person", 15, 24, 10000, False),
    ("suspicious_person", "可疑或在逃人员", "Suspicious or wanted person", 15, 24, 1000, False),
    ("urban_management", "城市管理问题", "Urban-management problem", 60, 72, 50, True),
    ("fire_hazard", "消防安全隐患", "Fire or safety hazard", 30, 24, 100, True),
    ("other", "其他", "Other", 60, 72, 20, True),
]


# The category of an SOS sent without one, until its reporter says more (tips.services.sos).
SOS_DEFAULT_CATEGORY = "other"


def categories_ensure() -> int:
    """Create the default categories that are missing (an administrator's edits are kept)."""
    created = 0
    for position, row in enumerate(DEFAULT_CATEGORIES):
        public = row[-1]
        # public problems (street lights, hazards) count once accepted; allegations once verified
        public_from = PublicFrom.ACCEPTED if public else PublicFrom.VERIFIED
        _category, made = category_get_or_create(row, position=position, public_from=public_from)
        created += made
    return created


def category_get_or_create(
    row: tuple[str, str, str, int, int, int, bool], *, position: int, public_from: str
) -> tuple[TipCategory, bool]:
    """The category of a row like DEFAULT_CATEGORIES' (code, names, minutes to accept, hours to
    verify, default reward, listed publicly), made with these values if it is missing."""
    code, zh, en, accept, verify, reward, public = row
    return TipCategory.objects.get_or_create(
        code=code,
        defaults={
            "name_zh": zh,
            "name_en": en,
            "accept_minutes": accept,
            "verify_hours": verify,
            "default_reward_points": reward,
            "is_public": public,
            "public_from": public_from,
            "position": position,
        },
    )


def sos_accept_minutes() -> int:
    return int(getattr(settings, "FUBI_SOS_ACCEPT_MINUTES", 5))


def _refuse_nul(field: str, value: str | None) -> None:
    # PostgreSQL text cannot hold NUL: refuse it as bad input instead of failing in the driver.
    if value and "\x00" in value:
        raise InvalidError(f"{field} contains a NUL character.", field=field)


def _new_reference(now) -> str:
    return f"T{now:%y%m%d}-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(5))


def tip_submit(
    *,
    reporter: User,
    category_code: str,
    description: str,
    lat: float | None,
    lon: float | None,
    anonymous: bool = False,
    place_code: str | None = None,
    kind: str = TipKind.NORMAL,
    photos: Sequence[UploadedFile] = (),
    source: str = TipSource.APP,
    address: str = "",
) -> Tip:
    """Report a tip: check everything (photos included) first, then write the tip, its photos and
    its first event in one transaction, routed to the innermost grid containing the location.

    Raises NotCitizenError, UnknownCategoryError, UnknownPlaceCodeError, LocationRequiredError,
    OutsideServiceAreaError, TooManyPhotosError, InvalidError, and the photo errors (413/415/422).
    Nothing is stored when any check fails.
    """
    if source == TipSource.APP and not reporter.has_role(Role.CITIZEN):
        raise NotCitizenError()
    for name, value in (("category", category_code), ("description", description), ("place_code", place_code)):
        _refuse_nul(name, value)
    if kind == TipKind.SOS and not category_code:
        category_code = SOS_DEFAULT_CATEGORY  # one tap sends the position alone; the category may follow
    category = _category_active(category_code)
    description = _description_clean(description, kind=kind)
    place, lat, lon = _location_resolve(place_code=place_code, lat=lat, lon=lon)
    grid = grid_innermost_containing(lat=lat, lon=lon)
    if grid is None:
        raise OutsideServiceAreaError(lat=lat, lon=lon)
    if len(photos) > photo_checks.MAX_PHOTOS:
        raise TooManyPhotosError(max_photos=photo_checks.MAX_PHOTOS, got=len(photos))
    # Every photo is checked and re-encoded in memory before a single row or file is written.
    cleaned = [photo_checks.photo_clean(upload, index=i) for i, upload in enumerate(photos)]

    now = timezone.now()
    accept_minutes = category.accept_minutes
    if kind == TipKind.SOS:
        accept_minutes = min(accept_minutes, sos_accept_minutes())
    return _tip_write(
        cleaned,
        reporter=reporter,
        anonymous=anonymous,
        kind=kind,
        source=source,
        category=category,
        description=description,
        lat=lat,
        lon=lon,
        address=address or (place.name if place else ""),
        place_code=place,
        grid=grid,
        accept_due_at=now + timedelta(minutes=accept_minutes),
        verify_due_at=now + timedelta(hours=category.verify_hours),
    )


def _category_active(code: str) -> TipCategory:
    category = TipCategory.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise UnknownCategoryError(f"No such tip category: {code!r}.", category=code)
    return category


def _description_clean(description: str, *, kind: str) -> str:
    if kind not in TipKind.values:
        raise InvalidError("kind must be normal or sos.", field="kind")
    description = (description or "").strip()
    if not description and kind != TipKind.SOS:
        raise InvalidError(_("Describe what you saw."), field="description")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidError(f"The description is longer than {MAX_DESCRIPTION} characters.", field="description")
    return description


def _location_resolve(
    *, place_code: str | None, lat: float | None, lon: float | None
) -> tuple[PlaceCode | None, float, float]:
    """The printed place (if a code is given) and the point: the one given, else the place's."""
    place = None
    if place_code:
        place = PlaceCode.objects.filter(code=place_code.strip(), is_active=True).first()
        if place is None:
            raise UnknownPlaceCodeError(f"No such place code: {place_code!r}.", place_code=place_code)
    if (lat is None) != (lon is None):
        raise LocationRequiredError("Give both lat and lon, or neither with a place code.")
    if lat is None or lon is None:
        if place is None:
            raise LocationRequiredError()
        lat, lon = place.lat, place.lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidError("lat must be within ±90 and lon within ±180.", field="lat")
    return place, lat, lon


def _tip_write(cleaned: list, **fields: Any) -> Tip:
    """The tip, its photos (files first, removed again if the rows roll back) and its first event,
    in one transaction; the reporter hears of it, and an SOS alerts the grid's staff, after commit."""
    reporter, anonymous, kind, source = fields["reporter"], fields["anonymous"], fields["kind"], fields["source"]
    with photo_files_atomic() as saved_files:
        tip = _tip_create(**fields)
        tip_photos_store(tip=tip, cleaned=cleaned, saved=saved_files, first_position=0)
        CaseEvent.objects.create(
            tip=tip,
            action=CaseAction.SUBMIT,
            # An anonymous reporter is not recorded as the actor, so no event can reveal them.
            actor=None if anonymous else reporter,
            from_status="",
            to_status=TipStatus.SUBMITTED,
            note="",
            data={"kind": kind, "source": source},
        )
        _notify_status(tip)
        if kind == TipKind.SOS:
            _sos_alert(tip)
    return tip


def _tip_create(**fields: object) -> Tip:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Tip.objects.create(reference=_new_reference(timezone.now()), **fields)
        except IntegrityError as exc:
            if "reference" not in str(exc):
                raise
    raise RuntimeError("could not draw a unique tip reference")


def photo_thumbnail_make(*, photo_id: int) -> bool:
    """Make the photo's thumbnail; skip when it already exists (safe to run twice)."""
    photo = TipPhoto.objects.filter(pk=photo_id).first()
    if photo is None:
        return False
    if photo.thumbnail and private_storage.exists(photo.thumbnail.name):
        return False
    with private_storage.open(photo.image.name, "rb") as handle:
        content = handle.read()
    small = photo_checks.thumbnail_bytes(content)
    name = photo.image.name.rsplit(".", 1)[0] + "_thumb.jpg"
    if private_storage.exists(name):
        private_storage.delete(name)  # a half-finished earlier run
    name = private_storage.save(name, ContentFile(small))
    TipPhoto.objects.filter(pk=photo.pk).update(thumbnail=name, updated_at=timezone.now())
    return True


def photo_orphans_delete(*, older_than: timedelta = timedelta(hours=6)) -> int:
    """Delete photo files no row points to (left by a crash between writing a file and committing
    its row), once they are older than `older_than`; returns how many were deleted."""
    root = Path(private_storage.location)
    if not root.exists():
        return 0
    known = set(TipPhoto.objects.values_list("image", flat=True))
    known |= set(TipPhoto.objects.exclude(thumbnail="").values_list("thumbnail", flat=True))
    cutoff = timezone.now().timestamp() - older_than.total_seconds()
    deleted = 0
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        name = path.relative_to(root).as_posix()
        if name not in known and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


def partner_api_key_issue(*, name: str, user: User) -> tuple[PartnerApiKey, str]:
    """Issue an Open311 key for a partner system; the raw key is returned once and never stored."""
    raw = "fk_" + secrets.token_urlsafe(24)
    key = PartnerApiKey.objects.create(name=name, prefix=raw[:10], key_hash=PartnerApiKey.hash_key(raw), user=user)
    return key, raw
