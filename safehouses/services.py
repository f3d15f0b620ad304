"""Writes of the safe-house app: the roll-call job (plan, ask, mark missed), the guard's answer, and
the registry kept by the station's staff (safe houses, their hours, duty shifts)."""

import random
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from accounts.models import Agency, User
from core.errors import InvalidError
from core.events import publish
from core.geo import haversine_m
from safehouses.errors import GuardNotStationStaffError, RollCallAnsweredError, RollCallMissedError
from safehouses.models import (
    DutyShift,
    Equipment,
    OpeningHours,
    RollCall,
    RollCallStatus,
    SafeHouse,
    roll_call_storage,
)
from tips import photos as photo_checks

_random = random.SystemRandom()  # the moments of a roll call must not be guessable


def answer_window() -> timedelta:
    return timedelta(minutes=int(settings.FUBI_ROLL_CALL_ANSWER_MINUTES))


def roll_calls_plan(*, now: datetime) -> int:
    """Give every shift under way its roll calls at random moments; returns how many were made.

    A moment lies between the later of the shift's start and now, and the shift's end less the time
    to answer. Safe to run twice, even at once: (shift, number) is unique and the rows are inserted
    with ON CONFLICT DO NOTHING, so a second run (or a racing one) plans nothing new.
    """
    shifts = (
        DutyShift.objects.filter(starts_at__lte=now, ends_at__gt=now)
        .annotate(planned=Count("roll_calls"))
        .filter(planned__lt=F("roll_call_count"))
    )
    made = []
    for shift in shifts:
        have = set(shift.roll_calls.values_list("number", flat=True))
        earliest = max(shift.starts_at, now)
        latest = max(earliest, shift.ends_at - answer_window())
        span = (latest - earliest).total_seconds()
        for number in range(1, shift.roll_call_count + 1):
            if number not in have:
                ask_at = earliest + timedelta(seconds=_random.uniform(0, span))
                made.append(RollCall(shift=shift, number=number, ask_at=ask_at))
    created = RollCall.objects.bulk_create(made, ignore_conflicts=True)
    return len(created)


def roll_calls_ask(*, now: datetime) -> int:
    """Ask the guard of every planned roll call whose moment has come; returns how many were asked.

    Each row moves planned → asked once (rows locked, skipping those another run holds); the guard
    hears of it through an inbox message (and email) after commit, once per roll call (the inbox's
    cause key absorbs a repeat).
    """
    with transaction.atomic():
        due = list(
            RollCall.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("shift__safe_house", "shift__guard")
            .filter(status=RollCallStatus.PLANNED, ask_at__lte=now)
            .order_by("pk")
        )
        deadline = now + answer_window()
        for roll_call in due:
            roll_call.status = RollCallStatus.ASKED
            roll_call.asked_at = now
            roll_call.due_at = deadline
            roll_call.save(update_fields=["status", "asked_at", "due_at", "updated_at"])
        transaction.on_commit(lambda: _asked_publish(due))
    return len(due)


def _asked_publish(roll_calls: list[RollCall]) -> None:
    for roll_call in roll_calls:
        publish("rollcall.asked", user=roll_call.shift.guard, obj=roll_call)


def roll_calls_mark_missed(*, now: datetime) -> int:
    """Asked roll calls past their time to answer become missed (one UPDATE: safe to run twice)."""
    return RollCall.objects.filter(status=RollCallStatus.ASKED, due_at__lt=now).update(
        status=RollCallStatus.MISSED, updated_at=now
    )


def roll_calls_run(*, now: datetime | None = None) -> dict[str, int]:
    """The beat job's work: plan, ask, mark missed. Safe to run twice."""
    now = now or timezone.now()
    return {
        "planned": roll_calls_plan(now=now),
        "asked": roll_calls_ask(now=now),
        "missed": roll_calls_mark_missed(now=now),
    }


def roll_call_answer(
    *, roll_call: RollCall, user: User, photo: UploadedFile, lat: float, lon: float, now: datetime | None = None
) -> RollCall:
    """The guard answers a roll call with a photo (EXIF and all metadata stripped, as a tip's) and
    the phone's position, before the roll call is due.

    Assumes roll_call came from selectors.roll_call_get_for_guard(user=...). Raises
    RollCallMissedError (409, too late), RollCallAnsweredError (409) and the photo errors (413, 415,
    422).
    """
    clean = photo_checks.photo_clean(photo)  # checked and re-encoded before anything is written
    now = now or timezone.now()
    saved = ""
    try:
        with transaction.atomic():
            roll_call = RollCall.objects.select_for_update().select_related("shift__safe_house").get(pk=roll_call.pk)
            if roll_call.status == RollCallStatus.ANSWERED:
                raise RollCallAnsweredError()
            if roll_call.status == RollCallStatus.MISSED or (roll_call.due_at and now > roll_call.due_at):
                raise RollCallMissedError(due_at=roll_call.due_at.isoformat() if roll_call.due_at else None)
            house = roll_call.shift.safe_house
            saved = roll_call_storage.save(f"{roll_call.shift_id}/{uuid.uuid4().hex}.jpg", ContentFile(clean.content))
            roll_call.status = RollCallStatus.ANSWERED
            roll_call.answered_at = now
            roll_call.lat, roll_call.lon = lat, lon
            roll_call.distance_m = round(haversine_m(lat, lon, house.lat, house.lon))
            roll_call.photo = saved
            roll_call.save(update_fields=["status", "answered_at", "lat", "lon", "distance_m", "photo", "updated_at"])
    except Exception:
        if saved:
            roll_call_storage.delete(saved)  # the row was rolled back: no file without a row
        raise
    return roll_call


# --- the registry, kept by the station's staff ----------------------------------------------------

REGISTRY_FIELDS = ("name_zh", "name_en", "lat", "lon", "address", "phone", "is_24h", "equipment", "is_active")


def _equipment_check(equipment: list[str]) -> list[str]:
    known = set(Equipment.values)
    unknown = [item for item in equipment if item not in known]
    if unknown:
        raise InvalidError(f"Unknown equipment: {', '.join(unknown)}.", field="equipment", allowed=sorted(known))
    return list(dict.fromkeys(equipment))  # once each, in the order given


def _hours_replace(*, safe_house: SafeHouse, hours: list[dict]) -> None:
    seen = set()
    for opening in hours:
        if opening["opens"] == opening["closes"]:
            raise InvalidError("An opening's closing time must differ from its opening time.", field="hours")
        key = (opening["weekday"], opening["opens"])
        if key in seen:
            raise InvalidError("Two openings start on the same weekday at the same time.", field="hours")
        seen.add(key)
    OpeningHours.objects.filter(safe_house=safe_house).delete()
    OpeningHours.objects.bulk_create(OpeningHours(safe_house=safe_house, **opening) for opening in hours)


@transaction.atomic
def safe_house_create(*, agency: Agency, hours: list[dict] | None = None, **fields: object) -> SafeHouse:
    """Add a safe house to a station's registry, with its opening hours. Raises InvalidError."""
    fields["equipment"] = _equipment_check(list(fields.get("equipment") or []))
    house = SafeHouse.objects.create(agency=agency, **{k: v for k, v in fields.items() if k in REGISTRY_FIELDS})
    _hours_replace(safe_house=house, hours=hours or [])
    return house


@transaction.atomic
def safe_house_update(*, safe_house: SafeHouse, hours: list[dict] | None = None, **fields: object) -> SafeHouse:
    """Change the fields given (hours, when given, replace the old ones). Raises InvalidError."""
    house = SafeHouse.objects.select_for_update().get(pk=safe_house.pk)
    if "equipment" in fields:
        fields["equipment"] = _equipment_check(list(fields["equipment"] or []))
    changed = [name for name in REGISTRY_FIELDS if name in fields]
    for name in changed:
        setattr(house, name, fields[name])
    if changed:
        house.save(update_fields=[*changed, "updated_at"])
    if hours is not None:
        _hours_replace(safe_house=house, hours=hours)
    return house


def shift_create(
    *,
    safe_house: SafeHouse,
    guard_id: int,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    roll_call_count: int = 2,
) -> DutyShift:
    """Put a guard (staff of the safe house's station) on duty. Raises GuardNotStationStaffError,
    InvalidError (the shift must end after it starts, last at most a day, have 0–12 roll calls)."""
    guard = User.objects.filter(pk=guard_id, agency_memberships__agency_id=safe_house.agency_id).first()
    if guard is None:
        raise GuardNotStationStaffError(field="guard_id")
    if ends_at <= starts_at or ends_at - starts_at > timedelta(hours=24):
        raise InvalidError("A shift ends after it starts and lasts at most 24 hours.", field="ends_at")
    return DutyShift.objects.create(
        safe_house=safe_house,
        guard=guard,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        roll_call_count=roll_call_count,
    )
