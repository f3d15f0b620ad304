"""One person, one place at a time: a citizen's GPS fixes judged across all their claims.

The attacks: one account on site at two distant tasks at once, or jumping between two tasks faster
than anyone travels. The honest cases: fixes of one task, two tasks at the same place, tasks one
after the other with travel a person can make.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tasks_app import services
from tasks_app.errors import OutsideGeofenceError
from tasks_app.models import CheckInConflict, ClaimStatus, Task
from tasks_app.tests.conftest import SITE, assert_escrow_exact, wallet_balance

pytestmark = pytest.mark.django_db

# 1° of latitude ≈ 111.2 km north of the meeting point.
KM_5 = (SITE[0] + 0.045, SITE[1])
KM_20 = (SITE[0] + 0.18, SITE[1])
NEXT_DOOR = (SITE[0] + 0.0005, SITE[1])  # about 56 m: the same square


@pytest.fixture(autouse=True)
def _established_accounts(settings) -> None:
    # These tests are about flags: the citizens have had their first claims approved already.
    settings.FUBI_NEW_ACCOUNT_MANUAL_CLAIMS = 0
    settings.FUBI_MAX_TRAVEL_KMH = 120


def fix(claim, kind: str, at: tuple[float, float], now, accuracy_m: float = 10):
    return services.checkin_record(
        claim=claim, kind=kind, lat=at[0], lon=at[1], accuracy_m=accuracy_m, recorded_at=now, now=now
    )


def test_checking_in_at_a_distant_task_while_on_site_at_another_holds_both_payouts(agency, make_task, citizen) -> None:
    # given two auto-approving tasks 5 km apart whose windows overlap, both claimed by one account
    here = make_task(title="Guxi patrol", auto_approve=True, points=100)
    there = make_task(title="Wuyi Square stewarding", auto_approve=True, points=100, lat=KM_5[0], lon=KM_5[1])
    claim_here = services.claim_create(task=here, user=citizen)
    claim_there = services.claim_create(task=there, user=citizen)
    t0 = timezone.now()
    first = fix(claim_here, "in", SITE, t0)
    # when, still checked in at the first, the account checks in at the second half an hour later
    second = fix(claim_there, "in", KM_5, t0 + timedelta(minutes=30))
    # and both are checked out, each from its own place
    fix(claim_there, "out", KM_5, t0 + timedelta(minutes=60))
    fix(claim_here, "out", SITE, t0 + timedelta(minutes=90))
    # then the second check-in is flagged and so is the first claim's fix it contradicts
    assert second.flags == ["overlapping_claims"]
    first.refresh_from_db()
    assert first.flags == ["overlapping_claims"]
    # and neither claim is paid automatically: both wait for the agency
    claim_here.refresh_from_db()
    claim_there.refresh_from_db()
    assert (claim_here.status, claim_there.status) == (ClaimStatus.COMPLETED, ClaimStatus.COMPLETED)
    assert wallet_balance(citizen) == 0
    assert_escrow_exact(agency)
    # and the evidence is kept once: both fixes, their distance and time apart
    conflict = CheckInConflict.objects.get()
    assert (conflict.checkin_id, conflict.other_id, conflict.kind) == (second.id, first.id, "overlapping_claims")
    assert conflict.distance_m == pytest.approx(5004, abs=10)
    assert conflict.seconds == 1800


def test_impossible_travel_between_two_tasks_is_flagged(agency, make_task, citizen) -> None:
    # given two tasks 20 km apart claimed by one account, the second one auto-approving
    here = make_task()
    there = make_task(auto_approve=True, lat=KM_20[0], lon=KM_20[1])
    claim_here = services.claim_create(task=here, user=citizen)
    claim_there = services.claim_create(task=there, user=citizen)
    t0 = timezone.now()
    fix(claim_here, "in", SITE, t0)
    left_here = fix(claim_here, "out", SITE, t0 + timedelta(minutes=1))
    # when it checks in 20 km away five minutes after checking out (240 km/h)
    arrived = fix(claim_there, "in", KM_20, t0 + timedelta(minutes=5))
    fix(claim_there, "out", KM_20, t0 + timedelta(minutes=20))
    # then the arrival is flagged, the unpaid claim's departure too, and neither claim is paid
    assert arrived.flags == ["impossible_travel"]
    left_here.refresh_from_db()
    assert left_here.flags == ["impossible_travel"]
    claim_here.refresh_from_db()
    claim_there.refresh_from_db()
    assert (claim_here.status, claim_there.status) == (ClaimStatus.COMPLETED, ClaimStatus.COMPLETED)
    assert wallet_balance(citizen) == 0
    # and the evidence holds the implied speed, beyond both fixes' 10 m accuracy
    conflict = CheckInConflict.objects.get()
    assert (conflict.checkin_id, conflict.other_id) == (arrived.id, left_here.id)
    assert conflict.seconds == 240
    assert conflict.speed_kmh == pytest.approx((20_015 - 20) / 240 * 3.6, abs=1)


def test_a_claim_already_paid_keeps_its_fixes_as_they_were(agency, make_task, citizen, staff) -> None:
    # given a claim paid by its agency
    here = make_task()
    claim_here = services.claim_create(task=here, user=citizen)
    t0 = timezone.now()
    fix(claim_here, "in", SITE, t0)
    left_here = fix(claim_here, "out", SITE, t0 + timedelta(minutes=1))
    services.claim_approve(claim=claim_here, user=staff)
    there = make_task(auto_approve=True, lat=KM_20[0], lon=KM_20[1])
    claim_there = services.claim_create(task=there, user=citizen)
    # when the account then appears 20 km away four minutes later
    arrived = fix(claim_there, "in", KM_20, t0 + timedelta(minutes=5))
    # then only the new fix is flagged; the paid claim's evidence is linked, not changed
    assert arrived.flags == ["impossible_travel"]
    left_here.refresh_from_db()
    assert left_here.flags == []
    assert CheckInConflict.objects.get().other_id == left_here.id


def test_a_refused_check_in_far_away_still_counts_as_travel(agency, make_task, citizen) -> None:
    # given an account checked in on site at one task, and a second task 20 km away
    here = make_task()
    there = make_task(auto_approve=True, lat=KM_20[0], lon=KM_20[1])
    claim_here = services.claim_create(task=here, user=citizen)
    claim_there = services.claim_create(task=there, user=citizen)
    t0 = timezone.now()
    first = fix(claim_here, "in", SITE, t0)
    # when a minute later it tries to check in at the second task from 5 km away (refused, kept)
    with pytest.raises(OutsideGeofenceError) as refused:
        fix(claim_there, "in", KM_5, t0 + timedelta(minutes=1))
    # then the refused fix is flagged as impossible travel, the first fix too, and both claims
    # wait for a person
    assert refused.value.details["flags"] == ["outside_geofence", "impossible_travel"]
    first.refresh_from_db()
    assert first.flags == ["impossible_travel"]
    assert services.claim_is_suspicious(claim=claim_there) is True
    assert services.claim_is_suspicious(claim=claim_here) is True


def test_fixes_on_one_task_raise_no_cross_task_flag(agency, make_task, citizen) -> None:
    # given one auto-approving task
    task = make_task(auto_approve=True, points=90)
    claim = services.claim_create(task=task, user=citizen)
    t0 = timezone.now()
    # when it checks in, pings while walking the patrol, and checks out
    fixes = [
        fix(claim, "in", SITE, t0),
        fix(claim, "ping", NEXT_DOOR, t0 + timedelta(minutes=2)),
        fix(claim, "ping", SITE, t0 + timedelta(minutes=4)),
        fix(claim, "out", SITE, t0 + timedelta(minutes=6)),
    ]
    # then nothing is flagged and the claim is paid at once
    assert [f.flags for f in fixes] == [[], [], [], []]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
    assert CheckInConflict.objects.count() == 0


def test_two_tasks_at_the_same_place_at_once_raise_nothing(agency, make_task, citizen) -> None:
    # given two auto-approving tasks on the same square at the same time
    patrol = make_task(auto_approve=True, points=50)
    leaflets = make_task(auto_approve=True, points=40, lat=NEXT_DOOR[0], lon=NEXT_DOOR[1])
    claims = [services.claim_create(task=task, user=citizen) for task in (patrol, leaflets)]
    t0 = timezone.now()
    # when the account checks in at both, its fixes alternating between them, and out of both
    fixes = [
        fix(claims[0], "in", SITE, t0),
        fix(claims[1], "in", NEXT_DOOR, t0 + timedelta(seconds=30)),
        fix(claims[0], "ping", NEXT_DOOR, t0 + timedelta(minutes=2)),
        fix(claims[1], "ping", SITE, t0 + timedelta(minutes=3)),
        fix(claims[0], "out", SITE, t0 + timedelta(minutes=10)),
        fix(claims[1], "out", NEXT_DOOR, t0 + timedelta(minutes=10, seconds=20)),
    ]
    # then nothing is flagged and both are paid
    assert [f.flags for f in fixes] == [[]] * 6
    assert wallet_balance(citizen) == 90
    assert CheckInConflict.objects.count() == 0


def test_sequential_tasks_with_realistic_travel_raise_nothing(agency, make_task, citizen) -> None:
    # given two auto-approving tasks 20 km apart
    here = make_task(auto_approve=True, points=50)
    there = make_task(auto_approve=True, points=40, lat=KM_20[0], lon=KM_20[1])
    claim_here = services.claim_create(task=here, user=citizen)
    claim_there = services.claim_create(task=there, user=citizen)
    t0 = timezone.now()
    # when the account finishes the first, takes 20 minutes by car (60 km/h), and does the second
    fixes = [
        fix(claim_here, "in", SITE, t0),
        fix(claim_here, "out", SITE, t0 + timedelta(minutes=10)),
        fix(claim_there, "in", KM_20, t0 + timedelta(minutes=30)),
        fix(claim_there, "out", KM_20, t0 + timedelta(minutes=40)),
    ]
    # then nothing is flagged and both are paid
    assert [f.flags for f in fixes] == [[]] * 4
    assert wallet_balance(citizen) == 90


def test_a_forgotten_check_out_of_a_finished_task_holds_nothing_later(agency, make_task, citizen) -> None:
    # given an account checked in at a task whose window is now over, never checked out
    t0 = timezone.now()
    here = make_task(starts_at=t0 + timedelta(hours=1), ends_at=t0 + timedelta(hours=3))
    claim_here = services.claim_create(task=here, user=citizen)
    Task.objects.filter(pk=here.pk).update(starts_at=t0 - timedelta(hours=2), ends_at=t0 - timedelta(minutes=5))
    fix(claim_here, "in", SITE, t0 - timedelta(hours=1))
    there = make_task(auto_approve=True, points=40, lat=KM_5[0], lon=KM_5[1])
    claim_there = services.claim_create(task=there, user=citizen)
    # when it checks in and out at another task 5 km away, after the first one's end
    fixes = [fix(claim_there, "in", KM_5, t0), fix(claim_there, "out", KM_5, t0 + timedelta(minutes=10))]
    # then nothing is flagged and the new claim is paid
    assert [f.flags for f in fixes] == [[], []]
    claim_there.refresh_from_db()
    assert claim_there.status == ClaimStatus.PAID


def test_a_vague_fix_is_given_its_accuracy_before_travel_is_judged(agency, make_task, citizen) -> None:
    # given a check-in at one task with a 3 km accuracy (a phone without GPS lock)
    here = make_task(radius_m=5000)
    there = make_task(lat=KM_5[0], lon=KM_5[1])
    claim_here = services.claim_create(task=here, user=citizen)
    claim_there = services.claim_create(task=there, user=citizen)
    t0 = timezone.now()
    fix(claim_here, "in", SITE, t0, accuracy_m=3000)
    fix(claim_here, "out", SITE, t0, accuracy_m=3000)
    # when a precise fix 5 km away comes 2 minutes later (2 km beyond the accuracy: 60 km/h)
    arrived = fix(claim_there, "in", KM_5, t0 + timedelta(minutes=2))
    # then no travel is judged impossible
    assert arrived.flags == []


def test_the_agency_reads_why_in_the_claims_list(api_as, agency, make_task, citizen, staff) -> None:
    # given an account on site at two tasks 5 km apart at once
    here = make_task(title="Guxi patrol")
    there = make_task(title="Wuyi Square stewarding", lat=KM_5[0], lon=KM_5[1])
    claim_here = services.claim_create(task=here, user=citizen)
    claim_there = services.claim_create(task=there, user=citizen)
    t0 = timezone.now()
    first = fix(claim_here, "in", SITE, t0)
    second = fix(claim_there, "in", KM_5, t0 + timedelta(minutes=30))
    agency_client = api_as(staff)
    # when the agency lists each task's claims
    english = {"Accept-Language": "en"}
    there_item = agency_client.get(f"/tasks/{there.id}/claims", headers=english).json()["items"][0]
    here_item = agency_client.get(f"/tasks/{here.id}/claims", headers=english).json()["items"][0]
    # then each claim says why, from its own side: the other task, both fixes, distance, time, speed
    assert there_item["flags"] == ["overlapping_claims"]
    [evidence] = there_item["conflicts"]
    assert evidence["kind"] == "overlapping_claims"
    assert evidence["label"] == "On site at another task at the same time"
    assert evidence["other_task"] == {"id": here.id, "title": "Guxi patrol"}
    assert evidence["other_claim_id"] == claim_here.id
    assert (evidence["fix"]["id"], evidence["other_fix"]["id"]) == (second.id, first.id)
    assert evidence["other_fix"]["lat"] == SITE[0]
    assert evidence["distance_m"] == pytest.approx(5004, abs=10)
    assert evidence["seconds"] == 1800
    assert evidence["speed_kmh"] == pytest.approx((5004 - 20) / 1800 * 3.6, abs=0.2)
    assert here_item["flags"] == ["overlapping_claims"]
    [mirror] = here_item["conflicts"]
    assert (mirror["fix"]["id"], mirror["other_fix"]["id"]) == (first.id, second.id)
    assert mirror["other_task"] == {"id": there.id, "title": "Wuyi Square stewarding"}


def test_the_agency_page_shows_the_evidence_of_a_flagged_claim(agency, make_task, citizen, staff) -> None:
    # given an account that checked in 20 km from its other task four minutes after leaving it
    here = make_task(title="Guxi patrol")
    there = make_task(title="Wuyi Square stewarding", lat=KM_20[0], lon=KM_20[1])
    claim_here = services.claim_create(task=here, user=citizen)
    claim_there = services.claim_create(task=there, user=citizen)
    t0 = timezone.now().replace(microsecond=0)
    fix(claim_here, "in", SITE, t0)
    fix(claim_here, "out", SITE, t0 + timedelta(minutes=1))
    fix(claim_there, "in", KM_20, t0 + timedelta(minutes=5))
    client = Client()
    client.force_login(staff)
    # when the agency opens the second task's page, in English and in Chinese
    page = client.get(f"/staff/tasks/{there.id}/", headers={"Accept-Language": "en"}).content.decode()
    page_zh = client.get(f"/staff/tasks/{there.id}/", headers={"Accept-Language": "zh-hans"}).content.decode()
    # then the flagged claim shows the other task, both fixes, the distance, the time and the speed
    assert 'data-testid="claim-evidence"' in page
    assert 'data-conflict="impossible_travel"' in page
    assert f"other task: Guxi patrol (#{here.id})" in page
    at = timezone.localtime(t0 + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S")
    assert f"this task's fix (Check in): {at} at 26.26000, 119.30000 (± 10 m)" in page
    left = timezone.localtime(t0 + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
    assert f"the other task's fix (Check out): {left} at 26.08000, 119.30000 (± 10 m)" in page
    assert "20.02 km apart, 4.0 min apart: at least 300 km/h beyond both fixes' accuracy (limit 120 km/h)" in page
    assert "与另一任务之间不可能的行程" in page_zh
    assert "相距 20.02 公里，间隔 4.0 分钟：扣除两次定位的精度后至少 300 公里/小时（上限 120 公里/小时）" in page_zh


def test_the_claims_list_reads_the_evidence_in_a_fixed_number_of_queries(api_as, make_task, make_user, staff) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given a task whose claimants were all on site at another task 5 km away at the same time
    here = make_task(headcount=10)
    there = make_task(headcount=10, lat=KM_5[0], lon=KM_5[1])
    agency_client = api_as(staff)

    def add_flagged_claimant() -> None:
        user = make_user()
        claim_here = services.claim_create(task=here, user=user)
        claim_there = services.claim_create(task=there, user=user)
        t0 = timezone.now()
        fix(claim_there, "in", KM_5, t0)
        fix(claim_here, "in", SITE, t0 + timedelta(minutes=30))

    def list_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            items = agency_client.get(f"/tasks/{here.id}/claims").json()["items"]
        assert all(item["conflicts"] for item in items)
        return len(queries)

    add_flagged_claimant()
    one = list_queries()
    # when four more flagged claimants are listed
    for _ in range(4):
        add_flagged_claimant()
    # then the list asks the database exactly as often
    assert list_queries() == one
