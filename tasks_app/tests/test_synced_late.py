"""A fix the on-site page kept without signal and sends later (queued): judged on arrival like any
fix, flagged synced_late, the phone's times kept but held to the same skew rule."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tasks_app import services
from tasks_app.models import ClaimStatus
from tasks_app.tests.conftest import SITE

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(make_task, citizen):
    return services.claim_create(task=make_task(auto_approve=True), user=citizen)


def body(*, recorded_ago: timedelta, sent_ago: timedelta = timedelta(0), queued: bool = True, kind: str = "in"):
    now = timezone.now()
    return {
        "kind": kind,
        "lat": SITE[0],
        "lon": SITE[1],
        "accuracy_m": 12,
        "recorded_at": (now - recorded_ago).isoformat(),
        "sent_at": (now - sent_ago).isoformat(),
        "queued": queued,
    }


def test_a_check_in_sent_late_is_judged_now_and_flagged(claim, citizen, api_as):
    # given a check-in the phone made 20 minutes ago in a basement, sent now that it has signal
    response = api_as(citizen).post(f"/claims/{claim.id}/checkins", body(recorded_ago=timedelta(minutes=20)))
    # then it is accepted on arrival, flagged, and the claim's time is the server's
    assert response.status_code == 201, response.content
    answer = response.json()
    assert (answer["accepted"], answer["flags"], answer["synced_late"]) == (True, ["synced_late"], True)
    claim.refresh_from_db()
    fix = claim.checkins.get()
    assert claim.status == ClaimStatus.CHECKED_IN
    assert claim.checked_in_at == fix.received_at
    assert fix.received_at - fix.recorded_at >= timedelta(minutes=20)


def test_a_late_fix_still_meets_the_skew_rule(claim, citizen, api_as):
    # a phone whose clock is an hour behind: the late flag does not make its times believed
    response = api_as(citizen).post(
        f"/claims/{claim.id}/checkins", body(recorded_ago=timedelta(hours=1, minutes=5), sent_ago=timedelta(hours=1))
    )
    assert response.json()["flags"] == ["clock_skew", "synced_late"]


def test_a_late_check_out_waits_for_a_person(claim, citizen, api_as):
    # given an auto-approving task: a check-in now, a check-out kept offline and sent late
    api = api_as(citizen)
    api.post(f"/claims/{claim.id}/checkins", body(recorded_ago=timedelta(0), queued=False))
    late = api.post(f"/claims/{claim.id}/checkins", body(recorded_ago=timedelta(minutes=3), kind="out"))
    # then the claim is completed but not paid on its own: synced_late is a soft flag
    assert late.json()["claim_status"] == "completed"
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COMPLETED
    assert services.claim_may_auto_approve(task=claim.task, claim=claim) is False


def test_an_ordinary_fix_is_not_flagged(claim, citizen, api_as):
    response = api_as(citizen).post(f"/claims/{claim.id}/checkins", body(recorded_ago=timedelta(0), queued=False))
    assert (response.json()["flags"], response.json()["synced_late"]) == ([], False)
