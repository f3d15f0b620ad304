"""GPS check-ins: judge every fix, keep it as evidence, move the claim on site and off."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.geo import haversine_m
from tasks_app.errors import (
    InvalidClaimStateError,
    OutsideGeofenceError,
    OutsideTimeWindowError,
    TaskInvalidError,
    TooShortOnSiteError,
)
from tasks_app.models import CheckIn, CheckInFlag, CheckInKind, Claim, ClaimStatus, Task
from tasks_app.services.claims import _lock_task_and_claim, claim_pay_locked
from tasks_app.services.events import claim_event_publish

MAX_ACCURACY_M = 100.0  # a fix vaguer than this (or than the geofence) proves little
MAX_SPEED_MPS = 50.0  # 180 km/h: faster than anyone reaches a patrol in a city
MAX_CLOCK_SKEW = timedelta(minutes=5)
CHECKIN_OPENS_BEFORE = timedelta(minutes=30)
CHECKOUT_GRACE = timedelta(hours=2)
# Soft flags keep the fix but send an auto-approving task's claim to a person for review.
SOFT_FLAGS = {CheckInFlag.POOR_ACCURACY, CheckInFlag.IMPOSSIBLE_SPEED, CheckInFlag.CLOCK_SKEW}


def checkin_judge(
    *,
    task: Task,
    previous: CheckIn | None,
    lat: float,
    lon: float,
    accuracy_m: float,
    recorded_at: datetime,
    now: datetime,
) -> tuple[float, float | None, list[str]]:
    """(distance to the meeting point in m, speed since the previous fix in m/s, flags) for one fix."""
    flags: list[str] = []
    distance_m = haversine_m(lat, lon, task.lat, task.lon)
    if distance_m > task.radius_m:
        flags.append(CheckInFlag.OUTSIDE_GEOFENCE)
    if accuracy_m > min(MAX_ACCURACY_M, float(task.radius_m)):
        flags.append(CheckInFlag.POOR_ACCURACY)
    speed = None
    if previous is not None:
        moved = haversine_m(previous.lat, previous.lon, lat, lon)
        seconds = (recorded_at - previous.recorded_at).total_seconds()
        if seconds <= 0:  # the device clock went backwards: fall back to the server's clock
            seconds = (now - previous.received_at).total_seconds()
        speed = moved / max(seconds, 1.0)
        # Jitter within both fixes' accuracy is no movement at all.
        if speed > MAX_SPEED_MPS and moved > accuracy_m + previous.accuracy_m:
            flags.append(CheckInFlag.IMPOSSIBLE_SPEED)
    if abs(recorded_at - now) > MAX_CLOCK_SKEW:
        flags.append(CheckInFlag.CLOCK_SKEW)
    return distance_m, speed, [str(flag) for flag in flags]


def claim_is_suspicious(*, claim: Claim) -> bool:
    """Does any kept fix of this claim carry a flag a person should look at?"""
    return (
        claim.checkins.filter(accepted=True, flags__overlap=[str(flag) for flag in SOFT_FLAGS]).exists()
        or claim.checkins.filter(kind=CheckInKind.PING, accepted=False).exists()
    )


def checkin_record(
    *,
    claim: Claim,
    kind: str,
    lat: float,
    lon: float,
    accuracy_m: float,
    recorded_at: datetime,
    now: datetime | None = None,
) -> CheckIn:
    """Judge and keep one fix of the claimant's phone; check in, check out or just track.

    Every fix that reaches judgement is stored with its flags, even when the answer is an error:
    an "in"/"out" outside the geofence (OutsideGeofenceError) or an "out" too early
    (TooShortOnSiteError) commits the rejected fix as evidence, then raises. State errors
    (InvalidClaimStateError, OutsideTimeWindowError) store nothing. A checked-out claim of an
    auto-approving task without flagged fixes is paid at once.
    """
    now = now or timezone.now()
    if recorded_at.tzinfo is None:
        raise TaskInvalidError(_("recorded_at needs a UTC offset."), field="recorded_at")
    if kind not in CheckInKind.values:
        raise TaskInvalidError(_("kind must be in, out or ping."), field="kind")
    rejection: DomainError | None = None
    with transaction.atomic():
        task, claim = _lock_task_and_claim(claim)
        _require_state(task=task, claim=claim, kind=kind, now=now)
        previous = claim.checkins.order_by("-received_at", "-id").first()
        distance_m, speed, flags = checkin_judge(
            task=task, previous=previous, lat=lat, lon=lon, accuracy_m=accuracy_m, recorded_at=recorded_at, now=now
        )
        accepted = CheckInFlag.OUTSIDE_GEOFENCE not in flags
        if kind in (CheckInKind.IN, CheckInKind.OUT) and not accepted:
            rejection = OutsideGeofenceError(distance_m=round(distance_m, 1), radius_m=task.radius_m)
        elif kind == CheckInKind.OUT:
            minutes = (now - claim.checked_in_at).total_seconds() / 60
            if minutes < task.min_minutes:
                accepted = False
                flags.append(str(CheckInFlag.TOO_SHORT))
                rejection = TooShortOnSiteError(minutes_on_site=round(minutes, 1), min_minutes=task.min_minutes)
        checkin = CheckIn.objects.create(
            claim=claim,
            kind=kind,
            lat=lat,
            lon=lon,
            accuracy_m=accuracy_m,
            recorded_at=recorded_at,
            received_at=now,
            distance_m=round(distance_m, 1),
            speed_mps=None if speed is None else round(speed, 2),
            accepted=accepted,
            flags=flags,
        )
        if rejection is None:
            _apply(task=task, claim=claim, kind=kind, now=now)
    if rejection is not None:
        rejection.details["checkin_id"] = checkin.id
        rejection.details["flags"] = flags
        raise rejection
    return checkin


def _require_state(*, task: Task, claim: Claim, kind: str, now: datetime) -> None:
    allowed = {
        CheckInKind.IN: (ClaimStatus.CLAIMED, ClaimStatus.CHECKED_IN),
        CheckInKind.PING: (ClaimStatus.CLAIMED, ClaimStatus.CHECKED_IN),
        CheckInKind.OUT: (ClaimStatus.CHECKED_IN,),
    }[kind]
    if claim.status not in allowed:
        raise InvalidClaimStateError(status=claim.status, kind=kind)
    closes = task.ends_at + (CHECKOUT_GRACE if kind == CheckInKind.OUT else timedelta(0))
    if now < task.starts_at - CHECKIN_OPENS_BEFORE or now > closes:
        raise OutsideTimeWindowError(starts_at=task.starts_at.isoformat(), ends_at=task.ends_at.isoformat())


def _apply(*, task: Task, claim: Claim, kind: str, now: datetime) -> None:
    if kind == CheckInKind.IN and claim.status == ClaimStatus.CLAIMED:
        claim.status = ClaimStatus.CHECKED_IN
        claim.checked_in_at = now
        claim.save(update_fields=["status", "checked_in_at", "updated_at"])
    elif kind == CheckInKind.OUT:
        claim.status = ClaimStatus.COMPLETED
        claim.checked_out_at = now
        claim.completed_at = now
        claim.save(update_fields=["status", "checked_out_at", "completed_at", "updated_at"])
        claim_event_publish("claim.completed", claim=claim)
        if task.auto_approve and not claim_is_suspicious(claim=claim):
            claim_pay_locked(task=task, claim=claim, user=None, now=now)
