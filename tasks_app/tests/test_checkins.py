"""Check-ins: each flag, the geofence refusal with its evidence kept, and the minimum time on site."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tasks_app import services
from tasks_app.errors import InvalidClaimStateError, OutsideGeofenceError, OutsideTimeWindowError, TooShortOnSiteError
from tasks_app.models import CheckIn, ClaimStatus
from tasks_app.tests.conftest import SITE, assert_escrow_exact, wallet_balance

pytestmark = pytest.mark.django_db

# About 1 km north of the meeting point (1° of latitude ≈ 111.2 km).
FAR = (SITE[0] + 0.009, SITE[1])


@pytest.fixture
def claim(make_task, citizen):
    task = make_task(radius_m=200, min_minutes=30, points=100)
    return services.claim_create(task=task, user=citizen)


def fix(claim, kind: str, lat: float = SITE[0], lon: float = SITE[1], accuracy_m: float = 10, **kw):
    now = kw.pop("now", timezone.now())
    return services.checkin_record(
        claim=claim,
        kind=kind,
        lat=lat,
        lon=lon,
        accuracy_m=accuracy_m,
        recorded_at=kw.pop("recorded_at", now),
        now=now,
    )


def test_check_in_on_site_is_accepted_without_flags(claim) -> None:
    checkin = fix(claim, "in")
    claim.refresh_from_db()
    assert checkin.accepted is True
    assert checkin.flags == []
    assert checkin.distance_m < 1
    assert claim.status == ClaimStatus.CHECKED_IN


def test_check_in_outside_the_geofence_is_refused_but_kept_as_evidence(claim) -> None:
    # when the citizen checks in 1 km away
    with pytest.raises(OutsideGeofenceError) as caught:
        fix(claim, "in", *FAR)
    # then 422 with the distance, the claim is unchanged, and the fix is stored, flagged
    assert 980 < caught.value.details["distance_m"] < 1020
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CLAIMED
    kept = CheckIn.objects.get(claim=claim)
    assert kept.accepted is False
    assert kept.flags == ["outside_geofence"]


def test_ping_outside_the_geofence_is_stored_not_accepted(claim) -> None:
    fix(claim, "in")
    ping = fix(claim, "ping", *FAR, now=timezone.now() + timedelta(minutes=5))
    assert ping.accepted is False
    assert "outside_geofence" in ping.flags


def test_poor_accuracy_is_flagged(claim) -> None:
    checkin = fix(claim, "in", accuracy_m=150)
    assert checkin.flags == ["poor_accuracy"]
    assert checkin.accepted is True


def test_accuracy_vaguer_than_a_small_geofence_is_flagged(make_task, citizen) -> None:
    task = make_task(radius_m=50)
    claim = services.claim_create(task=task, user=citizen)
    assert fix(claim, "in", accuracy_m=60).flags == ["poor_accuracy"]


def test_impossible_speed_is_flagged(claim) -> None:
    # given a ping 1 km away (outside) and, 10 seconds later, a check-in on site: 100 m/s
    now = timezone.now()
    fix(claim, "ping", *FAR, now=now)
    checkin = fix(claim, "in", now=now + timedelta(seconds=10))
    assert "impossible_speed" in checkin.flags
    assert checkin.speed_mps > 50


def test_walking_speed_and_gps_jitter_are_not_flagged(claim) -> None:
    now = timezone.now()
    fix(claim, "in", now=now)
    # 100 m in 2 minutes, then 15 m of jitter within a second
    walk = fix(claim, "ping", SITE[0] + 0.0009, SITE[1], now=now + timedelta(minutes=2))
    jitter = fix(claim, "ping", SITE[0] + 0.00104, SITE[1], now=now + timedelta(minutes=2, seconds=1))
    assert walk.flags == []
    assert jitter.flags == []


def test_clock_skew_is_flagged(claim) -> None:
    now = timezone.now()
    checkin = fix(claim, "in", now=now, recorded_at=now - timedelta(minutes=20))
    assert checkin.flags == ["clock_skew"]


def test_check_out_before_the_minimum_time_is_refused(claim) -> None:
    # given a check-in 10 minutes ago on a task needing 30 minutes on site
    now = timezone.now()
    fix(claim, "in", now=now - timedelta(minutes=10))
    # when the citizen checks out
    with pytest.raises(TooShortOnSiteError) as caught:
        fix(claim, "out", now=now)
    # then 422 too_short_on_site, still checked in, the early fix kept
    assert caught.value.details["min_minutes"] == 30
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CHECKED_IN
    assert CheckIn.objects.filter(claim=claim, kind="out", accepted=False, flags=["too_short_on_site"]).exists()


def test_check_out_after_the_minimum_time_completes(claim) -> None:
    now = timezone.now()
    fix(claim, "in", now=now - timedelta(minutes=31))
    out = fix(claim, "out", now=now)
    claim.refresh_from_db()
    assert out.accepted is True
    assert claim.status == ClaimStatus.COMPLETED


def test_check_out_outside_the_geofence_is_refused(claim) -> None:
    now = timezone.now()
    fix(claim, "in", now=now - timedelta(minutes=40))
    with pytest.raises(OutsideGeofenceError):
        fix(claim, "out", *FAR, now=now)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CHECKED_IN


def test_check_out_without_check_in_is_a_state_error_and_stores_nothing(claim) -> None:
    with pytest.raises(InvalidClaimStateError):
        fix(claim, "out")
    assert not CheckIn.objects.filter(claim=claim).exists()


def test_check_in_long_before_the_start_is_refused(make_task, citizen) -> None:
    start = timezone.now() + timedelta(hours=3)
    claim = services.claim_create(task=make_task(starts_at=start, ends_at=start + timedelta(hours=1)), user=citizen)
    with pytest.raises(OutsideTimeWindowError):
        fix(claim, "in")


def test_flagged_fix_stops_auto_approval(agency, make_task, citizen) -> None:
    # given an auto-approving task and a check-in with a poor fix
    task = make_task(auto_approve=True, points=80)
    claim = services.claim_create(task=task, user=citizen)
    now = timezone.now()
    fix(claim, "in", accuracy_m=500, now=now - timedelta(minutes=5))
    fix(claim, "out", now=now)
    # then the claim waits for a person instead of being paid
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COMPLETED
    assert wallet_balance(citizen) == 0
    assert_escrow_exact(agency)
