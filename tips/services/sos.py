"""One-tap SOS: the tip is sent with the position alone (POST /tips, kind "sos"), then its reporter
adds what they could not type at once (sos_follow_up: category, text, photos) and their phone keeps
sending where they are (sos_ping_record) for a few minutes. The same case throughout: staff see
one SOS that fills in and moves, live (`sos` events to the case's grid: ids and the position).

Windows: follow-ups for FUBI_SOS_FOLLOW_UP_MINUTES (30) after the SOS, pings for
FUBI_SOS_PING_MINUTES (10); after that, or once the case is closed, 409 sos_closed.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

import live
from accounts.models import User
from core.errors import InvalidError
from tips import photos as photo_checks
from tips.errors import SosClosedError, TipNotFoundError, TooManyPhotosError
from tips.models import ACTIVE_STATES, CaseAction, CaseEvent, SosPing, Tip, TipKind, TipPhoto
from tips.photo_store import photo_files_atomic, tip_photos_store
from tips.services.submission import MAX_DESCRIPTION, _category_active, _refuse_nul


def sos_follow_up_minutes() -> int:
    return int(getattr(settings, "FUBI_SOS_FOLLOW_UP_MINUTES", 30))


def sos_ping_minutes() -> int:
    return int(getattr(settings, "FUBI_SOS_PING_MINUTES", 10))


def sos_get_for_reporter(*, user: User, tip_id: int) -> Tip:
    """One of the user's own SOS tips; NotFound for anyone else's and for an ordinary tip."""
    tip = Tip.objects.filter(pk=tip_id, reporter_id=user.pk, kind=TipKind.SOS).select_related("grid").first()
    if tip is None:
        raise TipNotFoundError(tip_id=tip_id)
    return tip


def _refuse_closed(tip: Tip, *, minutes: int, now: datetime) -> None:
    if tip.status not in ACTIVE_STATES or now > tip.created_at + timedelta(minutes=minutes):
        raise SosClosedError(status=tip.status, minutes=minutes)


def sos_follow_up(
    *,
    tip: Tip,
    category_code: str = "",
    description: str = "",
    photos: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> Tip:
    """Add a category, text and photos to the reporter's own SOS: text is appended, the category
    replaced, photos added (six at most in all). A step on the timeline, a live `sos` event.

    Raises SosClosedError, UnknownCategoryError, InvalidError (nothing given, too long),
    TooManyPhotosError and the photo errors. Photos are checked before anything is written.
    """
    now = now or timezone.now()
    for name, value in (("category", category_code), ("description", description)):
        _refuse_nul(name, value)
    description = (description or "").strip()
    if not (category_code or description or photos):
        raise InvalidError(_("Add a category, a few words or a photo."), field="description")
    category = _category_active(category_code) if category_code else None
    cleaned = [photo_checks.photo_clean(upload, index=i) for i, upload in enumerate(photos)]
    with photo_files_atomic() as saved:
        _follow_up_write(tip=tip, category=category, description=description, cleaned=cleaned, now=now, saved=saved)
    return Tip.objects.select_related("grid", "category").get(pk=tip.pk)


def _follow_up_write(*, tip: Tip, category, description: str, cleaned: list, now: datetime, saved: list[str]) -> None:
    tip = Tip.objects.select_for_update(no_key=True).get(pk=tip.pk)
    _refuse_closed(tip, minutes=sos_follow_up_minutes(), now=now)
    if TipPhoto.objects.filter(tip=tip).count() + len(cleaned) > photo_checks.MAX_PHOTOS:
        raise TooManyPhotosError(max_photos=photo_checks.MAX_PHOTOS, got=len(cleaned))
    fields = ["updated_at"]
    if category is not None and category.pk != tip.category_id:
        tip.category = category
        fields.append("category")
    if description:
        tip.description = f"{tip.description}\n{description}".strip()
        if len(tip.description) > MAX_DESCRIPTION:
            raise InvalidError(f"The description is longer than {MAX_DESCRIPTION} characters.", field="description")
        fields.append("description")
    tip.save(update_fields=fields)
    event = CaseEvent.objects.create(
        tip=tip,
        action=CaseAction.SOS_UPDATE,
        actor=None if tip.anonymous else tip.reporter,  # an anonymous reporter is never an actor
        from_status=tip.status,
        to_status=tip.status,
        data={"category": tip.category.code, "text_added": bool(description), "photos": len(cleaned)},
    )
    if cleaned:
        tip_photos_store(tip=tip, event=event, cleaned=cleaned, saved=saved)
    live.publish("sos", data={"id": tip.pk, "type": "sos.updated"}, grids=[tip.grid_id])


def sos_ping_record(
    *, tip: Tip, lat: float, lon: float, accuracy_m: float | None = None, now: datetime | None = None
) -> SosPing:
    """Keep where the reporter of an SOS is now; the case's grid sees it move (a live `sos` event).

    Raises SosClosedError past FUBI_SOS_PING_MINUTES or once the case is closed.
    """
    now = now or timezone.now()
    _refuse_closed(tip, minutes=sos_ping_minutes(), now=now)
    ping = SosPing.objects.create(tip=tip, lat=lat, lon=lon, accuracy_m=accuracy_m, received_at=now)
    live.publish(
        "sos",
        data={"id": tip.pk, "type": "sos.position", "lat": lat, "lon": lon, "accuracy_m": accuracy_m},
        grids=[tip.grid_id],
    )
    return ping
