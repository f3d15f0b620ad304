"""Honest volunteers are not flagged: refusals they corrected stay as evidence only, and a position
timestamp that is old (the phone stood still) is no clock skew when the send time is right."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tasks_app import services
from tasks_app.claim_outlook import claim_outlook
from tasks_app.errors import OutsideGeofenceError, TooShortOnSiteError
from tasks_app.models import CheckIn, ClaimStatus
from tasks_app.tests.conftest import SITE, wallet_balance

pytestmark = pytest.mark.django_db

FAR = (SITE[0] + 0.009, SITE[1])  # about 1 km north


def fix(claim, kind: str, lat: float = SITE[0], lon: float = SITE[1], **kw):
    now = kw.pop("now", timezone.now())
    return services.checkin_record(
        claim=claim,
        kind=kind,
        lat=lat,
        lon=lon,
        accuracy_m=10,
        recorded_at=kw.pop("recorded_at", now),
        sent_at=kw.pop("sent_at", None),
        now=now,
    )


@pytest.fixture
def seasoned(settings):
    settings.FUBI_NEW_ACCOUNT_MANUAL_CLAIMS = 0  # past the first, agency-approved claims


def test_refused_check_in_then_accepted_one_marks_the_refusal_corrected(make_task, citizen) -> None:
    # given a refused check-in 1 km away
    claim = services.claim_create(task=make_task(), user=citizen)
    now = timezone.now()
    with pytest.raises(OutsideGeofenceError):
        fix(claim, "in", *FAR, now=now - timedelta(minutes=2))
    # when the citizen walks to the meeting point and checks in again
    fix(claim, "in", now=now)
    # then the refused fix is kept, still refused and flagged, but marked corrected
    refused = CheckIn.objects.get(claim=claim, accepted=False)
    assert refused.flags == ["outside_geofence"]
    assert refused.corrected is True


def test_refused_and_corrected_taps_do_not_make_a_claim_suspicious(make_task, citizen, seasoned) -> None:
    # given an auto-approving task with 30 minutes on site
    now = timezone.now()
    task = make_task(auto_approve=True, points=80, min_minutes=30, starts_at=now - timedelta(minutes=15))
    claim = services.claim_create(task=task, user=citizen)
    with pytest.raises(OutsideGeofenceError):
        fix(claim, "in", *FAR, now=now - timedelta(minutes=41))
    fix(claim, "in", now=now - timedelta(minutes=40))
    with pytest.raises(TooShortOnSiteError):
        fix(claim, "out", now=now - timedelta(minutes=20))
    # when the citizen checks out once the 30 minutes are over
    fix(claim, "out", now=now)
    # then both refusals are corrected and the claim is paid at once
    claim.refresh_from_db()
    assert list(claim.checkins.filter(accepted=False).values_list("corrected", flat=True)) == [True, True]
    assert services.claim_is_suspicious(claim=claim) is False
    assert claim.status == ClaimStatus.PAID
    assert wallet_balance(citizen) == 80


def test_a_refused_check_in_not_yet_corrected_is_not_marked(make_task, citizen) -> None:
    claim = services.claim_create(task=make_task(), user=citizen)
    with pytest.raises(OutsideGeofenceError):
        fix(claim, "in", *FAR)
    assert CheckIn.objects.get(claim=claim).corrected is False


def test_old_position_timestamp_with_right_send_time_is_no_clock_skew(make_task, citizen) -> None:
    # given a phone that stood still for an hour: its last position is stamped an hour ago
    claim = services.claim_create(task=make_task(), user=citizen)
    now = timezone.now()
    checkin = fix(claim, "in", recorded_at=now - timedelta(hours=1), sent_at=now + timedelta(seconds=2), now=now)
    # then no flag: the phone's clock at sending agrees with the server's
    assert checkin.flags == []
    assert checkin.sent_at == now + timedelta(seconds=2)


def test_send_time_far_from_the_server_clock_is_clock_skew(make_task, citizen) -> None:
    claim = services.claim_create(task=make_task(), user=citizen)
    now = timezone.now()
    checkin = fix(claim, "in", recorded_at=now - timedelta(hours=1), sent_at=now - timedelta(hours=1), now=now)
    assert checkin.flags == ["clock_skew"]


def test_old_position_timestamp_without_send_time_is_still_clock_skew(make_task, citizen) -> None:
    claim = services.claim_create(task=make_task(), user=citizen)
    now = timezone.now()
    assert fix(claim, "in", recorded_at=now - timedelta(hours=1), now=now).flags == ["clock_skew"]


def test_future_claim_outlook_says_when_check_in_opens_on_the_city_clock(make_task, citizen) -> None:
    # given a task starting at 19:00 Shanghai time, 14 hours away
    now = timezone.now()
    start = now + timedelta(hours=14)
    claim = services.claim_create(task=make_task(starts_at=start, ends_at=start + timedelta(hours=2)), user=citizen)
    # then check-in opens 30 minutes before, shown on the city's clock, and the place can be given back
    outlook = claim_outlook(claim=claim, now=now)
    opens = timezone.localtime(start - timedelta(minutes=30))
    assert outlook.phase == "upcoming"
    assert outlook.opens_at_text.endswith(opens.strftime("%H:%M"))
    assert outlook.starts_in.startswith("14")
    assert outlook.may_cancel is True


def corrected_claim(make_task, citizen):
    """A claim whose check-in was refused 1 km away, then accepted at the meeting point."""
    claim = services.claim_create(task=make_task(), user=citizen)
    now = timezone.now()
    with pytest.raises(OutsideGeofenceError):
        fix(claim, "in", *FAR, now=now - timedelta(minutes=2))
    fix(claim, "in", now=now)
    return claim


def test_claims_list_keeps_the_corrected_refusal_out_of_the_flags(api_as, make_task, citizen, staff) -> None:
    claim = corrected_claim(make_task, citizen)
    body = api_as(staff).get(f"/tasks/{claim.task_id}/claims").json()
    item = body["items"][0]
    assert item["flags"] == []
    assert [(c["accepted"], c["corrected"], c["flags"]) for c in item["checkins"]] == [
        (False, True, ["outside_geofence"]),
        (True, False, []),
    ]


def test_api_check_in_with_sent_at_keeps_it_and_raises_no_clock_skew(api_as, make_task, citizen) -> None:
    task = make_task()
    me = api_as(citizen)
    claim_id = me.post(f"/tasks/{task.id}/claims").json()["id"]
    now = timezone.now()
    response = me.post(
        f"/claims/{claim_id}/checkins",
        {
            "kind": "in",
            "lat": SITE[0],
            "lon": SITE[1],
            "accuracy_m": 8,
            "recorded_at": (now - timedelta(minutes=50)).isoformat(),
            "sent_at": now.isoformat(),
        },
    )
    assert response.status_code == 201
    assert response.json()["flags"] == []
    assert CheckIn.objects.get(claim_id=claim_id).sent_at == now


def test_staff_page_shows_a_corrected_refusal_grey_not_red(make_task, citizen, staff) -> None:
    claim = corrected_claim(make_task, citizen)
    client = Client()
    client.force_login(staff)
    page = client.get(f"/staff/tasks/{claim.task_id}/").content.decode()
    assert 'data-flag="outside_geofence"' not in page
    assert 'data-corrected-flag="outside_geofence"' in page
