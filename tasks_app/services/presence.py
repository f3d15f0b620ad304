"""One person, one place at a time: a citizen's fixes judged across all their claims.

A fix is judged against the claim's own previous fix in checkins.checkin_judge. Here the same fix
is compared with the citizen's fixes on their other tasks, which a phone lying about its position
cannot keep consistent:

- overlapping_claims: the fix puts the citizen on site at this task while they are still checked in
  on another task whose window is running, and it lies outside that task's geofence and farther
  from their last fix there than both fixes' accuracy allows;
- impossible_travel: the citizen's previous fix (on any task) was on another task, and getting
  from there to here in the time between them, on the server's clock, takes a speed above
  settings.FUBI_MAX_TRAVEL_KMH even after taking off both fixes' accuracy.

Either flags the new fix and, unless the other claim is already paid, the other fix too; each
finding is kept as a CheckInConflict with the figures the agency reviews (an overlap once per pair
of claims, not again for every ping while it lasts). A flagged claim is never
paid automatically (checkins.claim_is_suspicious). What raises nothing: fixes of one task (that is
checkin_judge's business), two tasks at the same place, tasks one after the other with travel a
person can make.

The server's clock, not the phone's recorded_at, measures the time between two fixes: a client
that moves its clock must not be able to slow its own travel down. The on-site page sends fixes as
they are taken, so the two clocks differ by the network's delay, seconds against minutes of travel.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Now

from core.geo import haversine_m
from tasks_app.models import CheckIn, CheckInConflict, CheckInFlag, Claim, ClaimStatus, Task

# Fixes older than this cannot make travel within a city impossible (12 h at 120 km/h is 1,440 km):
# the travel check reads only the citizen's recent fixes, through the (claim, received_at) index.
TRAVEL_LOOKBACK = timedelta(hours=12)
# pg_advisory_xact_lock(PRESENCE_LOCK, user id): one citizen's fixes are judged one at a time, so
# two fixes sent at once from two tasks each see the other (core.idempotency uses 7401).
PRESENCE_LOCK = 7402


@dataclass(frozen=True)
class PresenceFinding:
    """One contradiction between the fix being judged and another claim's fix."""

    kind: str
    other: CheckIn
    distance_m: float
    seconds: float
    speed_kmh: float


def presence_lock(*, user_id: int) -> None:
    """Serialise the judging of one citizen's fixes until the transaction ends.

    Taken after the task and claim rows (the lock order of checkins.checkin_record); while it is
    held only check-in rows of the same citizen are written.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, (%s::bigint %% 2147483647)::int)", [PRESENCE_LOCK, user_id])


def presence_judge(
    *, task: Task, claim: Claim, lat: float, lon: float, accuracy_m: float, accepted: bool, now: datetime
) -> list[PresenceFinding]:
    """Contradictions between a new fix on `claim` and the same citizen's fixes on other tasks."""
    findings = []
    if accepted:  # the fix claims presence at this task: is the citizen still on site elsewhere?
        findings += _overlapping(task=task, claim=claim, lat=lat, lon=lon, accuracy_m=accuracy_m, now=now)
    travel = _impossible_travel(task=task, claim=claim, lat=lat, lon=lon, accuracy_m=accuracy_m, now=now)
    if travel is not None:
        findings.append(travel)
    return findings


def _finding(*, kind: str, other: CheckIn, lat: float, lon: float, accuracy_m: float, now: datetime) -> PresenceFinding:
    distance_m = haversine_m(other.lat, other.lon, lat, lon)
    seconds = max(abs((now - other.received_at).total_seconds()), 1.0)
    beyond_accuracy_m = max(0.0, distance_m - accuracy_m - other.accuracy_m)
    return PresenceFinding(
        kind=kind,
        other=other,
        distance_m=round(distance_m, 1),
        seconds=round(seconds, 1),
        speed_kmh=round(beyond_accuracy_m / seconds * 3.6, 1),
    )


def _overlapping(
    *, task: Task, claim: Claim, lat: float, lon: float, accuracy_m: float, now: datetime
) -> list[PresenceFinding]:
    findings = []
    on_site_elsewhere = (
        Claim.objects.filter(user_id=claim.user_id, status=ClaimStatus.CHECKED_IN, task__ends_at__gt=now)
        .exclude(task_id=task.pk)
        .select_related("task")
    )
    for other_claim in on_site_elsewhere:
        if _overlap_known(claim_ids=(claim.pk, other_claim.pk)):
            continue  # the first fix that showed it holds the evidence; both claims wait already
        other = other_claim.checkins.filter(accepted=True).order_by("-received_at", "-id").first()
        if other is None:
            continue
        other_task = other_claim.task
        # Still inside (or within accuracy of) the other task's area: both may well be true.
        if haversine_m(lat, lon, other_task.lat, other_task.lon) <= other_task.radius_m + accuracy_m:
            continue
        if haversine_m(other.lat, other.lon, lat, lon) <= accuracy_m + other.accuracy_m:
            continue
        other.claim = other_claim
        findings.append(
            _finding(kind=CheckInFlag.OVERLAPPING_CLAIMS, other=other, lat=lat, lon=lon, accuracy_m=accuracy_m, now=now)
        )
    return findings


def _overlap_known(*, claim_ids: tuple[int, int]) -> bool:
    first, second = claim_ids
    return CheckInConflict.objects.filter(
        Q(checkin__claim_id=first, other__claim_id=second) | Q(checkin__claim_id=second, other__claim_id=first),
        kind=CheckInFlag.OVERLAPPING_CLAIMS,
    ).exists()


def _impossible_travel(
    *, task: Task, claim: Claim, lat: float, lon: float, accuracy_m: float, now: datetime
) -> PresenceFinding | None:
    previous = (
        # The latest by the server's clock, even if stamped after `now`: a request that waited on
        # presence_lock took its `now` before the fix it waited for was received.
        CheckIn.objects.filter(claim__user_id=claim.user_id, received_at__gte=now - TRAVEL_LOOKBACK)
        .select_related("claim")
        .order_by("-received_at", "-id")
        .first()
    )
    if previous is None or previous.claim.task_id == task.pk:
        return None  # no fix yet, or the last one was on this task: checkin_judge compared them
    finding = _finding(
        kind=CheckInFlag.IMPOSSIBLE_TRAVEL, other=previous, lat=lat, lon=lon, accuracy_m=accuracy_m, now=now
    )
    return finding if finding.speed_kmh > settings.FUBI_MAX_TRAVEL_KMH else None


def presence_record(*, checkin: CheckIn, findings: list[PresenceFinding]) -> None:
    """Keep the evidence of each finding and flag the other claim's fix too, unless that claim is paid."""
    for finding in findings:
        CheckInConflict.objects.create(
            checkin=checkin,
            other=finding.other,
            kind=finding.kind,
            distance_m=finding.distance_m,
            seconds=finding.seconds,
            speed_kmh=finding.speed_kmh,
        )
        if finding.other.claim.status == ClaimStatus.PAID:
            continue  # its points have left; the evidence stays with this claim
        CheckIn.objects.filter(pk=finding.other.pk).exclude(flags__contains=[finding.kind]).update(
            flags=Func(
                F("flags"),
                Value(str(finding.kind)),
                function="array_append",
                output_field=ArrayField(models.CharField(max_length=24)),
            ),
            updated_at=Now(),
        )
