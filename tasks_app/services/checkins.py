"""GPS check-ins: judge every fix, keep it as evidence, move the claim on site and off."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.geo import haversine_m
from tasks_app.errors import (
    InvalidClaimStateError,
    OutsideGeofenceError,
    OutsideTimeWindowError,
    TaskInvalidError,
    TaskOnlineError,
    TooShortOnSiteError,
)
from tasks_app.models import CONFLICT_FLAGS, CheckIn, CheckInFlag, CheckInKind, Claim, ClaimStatus, ProofKind, Task
from tasks_app.selectors import claimant_is_new
from tasks_app.services.claims import _lock_task_and_claim, claim_pay_locked, claimant_is_agency_staff
from tasks_app.services.events import claim_event_publish, position_event_publish
from tasks_app.services.presence import presence_judge, presence_lock, presence_record

MAX_ACCURACY_M = 100.0  # a fix vaguer than this (or than the geofence) proves little
MAX_SPEED_MPS = 50.0  # 180 km/h: faster than anyone reaches a patrol in a city
MAX_CLOCK_SKEW = timedelta(minutes=5)
CHECKIN_OPENS_BEFORE = timedelta(minutes=30)
CHECKOUT_GRACE = timedelta(hours=2)
# Soft flags keep the fix but send an auto-approving task's claim to a person for review.
# A fix sent late (made offline) is one: when it was made rests on the phone's word alone.
SOFT_FLAGS = {CheckInFlag.POOR_ACCURACY, CheckInFlag.IMPOSSIBLE_SPEED, CheckInFlag.CLOCK_SKEW, CheckInFlag.SYNCED_LATE}


def checkin_judge(
    *,
    task: Task,
    previous: CheckIn | None,
    lat: float,
    lon: float,
    accuracy_m: float,
    recorded_at: datetime,
    now: datetime,
    sent_at: datetime | None = None,
) -> tuple[float, float | None, list[str]]:
    """(distance to the meeting point in m, speed since the previous fix in m/s, flags) for one fix.

    recorded_at is the position's own timestamp, sent_at the phone's clock when it sent the fix. A
    phone standing still may hand out the same position for an hour, so with sent_at the clock is
    judged on sent_at (and a position stamped later than its sending); without it, on recorded_at.
    """
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
    if sent_at is None:
        skewed = abs(recorded_at - now) > MAX_CLOCK_SKEW
    else:
        skewed = abs(sent_at - now) > MAX_CLOCK_SKEW or recorded_at - sent_at > MAX_CLOCK_SKEW
    if skewed:
        flags.append(CheckInFlag.CLOCK_SKEW)
    return distance_m, speed, [str(flag) for flag in flags]


def claim_is_suspicious(*, claim: Claim) -> bool:
    """Does any kept fix of this claim carry a flag a person should look at?

    A soft flag on an accepted fix, a ping outside the geofence, or any fix (refused ones too) that
    contradicts the citizen's fixes on another task (services.presence). A refused check-in or
    check-out the citizen corrected (CheckIn.corrected) counts for nothing but a contradiction:
    being on another task at the same time is not something a second tap makes good.
    """
    conflicts = Q(flags__overlap=[str(flag) for flag in CONFLICT_FLAGS])
    return claim.checkins.filter(
        Q(corrected=False, accepted=True, flags__overlap=[str(flag) for flag in SOFT_FLAGS])
        | conflicts
        | Q(corrected=False, kind=CheckInKind.PING, accepted=False)
    ).exists()


def claim_may_auto_approve(*, task: Task, claim: Claim) -> bool:
    """May this completed claim be paid without a person looking at it?

    Only on an auto-approving task, without a flagged fix, and only once the citizen's first paid
    claims (settings.FUBI_NEW_ACCOUNT_MANUAL_CLAIMS) were approved by an agency: a new account, made
    to collect points with a faked position, always meets a person first.
    """
    if task.auto_approve and claimant_is_agency_staff(task=task, claim=claim):
        return False  # a staff member's own claim waits for a colleague's approval (own_claim)
    return task.auto_approve and not claim_is_suspicious(claim=claim) and not claimant_is_new(claim=claim)


def checkin_record(
    *,
    claim: Claim,
    kind: str,
    lat: float,
    lon: float,
    accuracy_m: float,
    recorded_at: datetime,
    now: datetime | None = None,
    sent_at: datetime | None = None,
    queued: bool = False,
) -> CheckIn:
    """Judge and keep one fix of the claimant's phone; check in, check out or just track.

    Every fix that reaches judgement is stored with its flags, even when the answer is an error:
    an "in"/"out" outside the geofence (OutsideGeofenceError) or an "out" too early
    (TooShortOnSiteError) commits the rejected fix as evidence, then raises. State errors
    (InvalidClaimStateError, OutsideTimeWindowError) store nothing. The fix is also judged against
    the citizen's fixes on their other tasks (services.presence), under a per-citizen lock. An
    accepted check-in (check-out) marks the claim's earlier refused ones corrected. A checked-out
    claim that claim_may_auto_approve allows is paid at once. sent_at: the phone's clock at sending.
    """
    now = now or timezone.now()
    _require_valid_fix(kind=kind, recorded_at=recorded_at, sent_at=sent_at)
    fix = {"lat": lat, "lon": lon, "accuracy_m": accuracy_m, "recorded_at": recorded_at, "sent_at": sent_at}
    with transaction.atomic():
        task, claim = _lock_task_and_claim(claim)
        if task.proof != ProofKind.GPS:
            raise TaskOnlineError(task_id=task.pk)  # no place to be at: its proof is sent instead
        _require_state(task=task, claim=claim, kind=kind, now=now)
        previous = claim.checkins.order_by("-received_at", "-id").first()
        distance_m, speed, flags = checkin_judge(task=task, previous=previous, now=now, **fix)
        accepted, rejection = _checkin_verdict(
            task=task, claim=claim, kind=kind, flags=flags, distance_m=distance_m, now=now
        )
        presence_lock(user_id=claim.user_id)
        findings = presence_judge(
            task=task, claim=claim, lat=lat, lon=lon, accuracy_m=accuracy_m, accepted=accepted, now=now
        )
        flags += list(dict.fromkeys(str(finding.kind) for finding in findings))
        flags += [str(CheckInFlag.SYNCED_LATE)] if queued else []
        checkin = CheckIn.objects.create(
            claim=claim,
            kind=kind,
            **fix,
            received_at=now,
            distance_m=round(distance_m, 1),
            speed_mps=None if speed is None else round(speed, 2),
            accepted=accepted,
            flags=flags,
        )
        presence_record(checkin=checkin, findings=findings)
        if rejection is None:
            _checkin_accept(task=task, claim=claim, checkin=checkin, now=now)
    if rejection is not None:
        rejection.details["checkin_id"] = checkin.id
        rejection.details["flags"] = flags
        raise rejection
    return checkin


def _require_valid_fix(*, kind: str, recorded_at: datetime, sent_at: datetime | None) -> None:
    if recorded_at.tzinfo is None:
        raise TaskInvalidError(_("recorded_at needs a UTC offset."), field="recorded_at")
    if sent_at is not None and sent_at.tzinfo is None:
        raise TaskInvalidError(_("sent_at needs a UTC offset."), field="sent_at")
    if kind not in CheckInKind.values:
        raise TaskInvalidError(_("kind must be in, out or ping."), field="kind")


def _checkin_verdict(
    *, task: Task, claim: Claim, kind: str, flags: list[str], distance_m: float, now: datetime
) -> tuple[bool, DomainError | None]:
    """(accepted, the error to raise once the fix is kept) for a judged fix; a check-out too early
    is refused and flagged TOO_SHORT (appended to ``flags``)."""
    accepted = CheckInFlag.OUTSIDE_GEOFENCE not in flags
    if kind in (CheckInKind.IN, CheckInKind.OUT) and not accepted:
        return accepted, OutsideGeofenceError(distance_m=round(distance_m, 1), radius_m=task.radius_m)
    if kind == CheckInKind.OUT:
        minutes = (now - claim.checked_in_at).total_seconds() / 60
        if minutes < task.min_minutes:
            flags.append(str(CheckInFlag.TOO_SHORT))
            return False, TooShortOnSiteError(minutes_on_site=round(minutes, 1), min_minutes=task.min_minutes)
    return accepted, None


def _checkin_accept(*, task: Task, claim: Claim, checkin: CheckIn, now: datetime) -> None:
    """An accepted fix moves the claim on (checked in, completed, perhaps paid) and shows on the wall map."""
    if checkin.kind in (CheckInKind.IN, CheckInKind.OUT):
        # The refusals the citizen saw and made good: evidence, no longer against them.
        claim.checkins.filter(kind=checkin.kind, accepted=False, corrected=False).exclude(pk=checkin.pk).update(
            corrected=True, updated_at=now
        )
    _apply(task=task, claim=claim, kind=checkin.kind, now=now)
    if claim.status in (ClaimStatus.CHECKED_IN, ClaimStatus.COMPLETED, ClaimStatus.PAID):
        position_event_publish(task=task, claim=claim, checkin=checkin)  # on duty: the wall map


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
        if claim_may_auto_approve(task=task, claim=claim):
            claim_pay_locked(task=task, claim=claim, user=None, now=now)
