"""A check-in flood: past 60 fixes in ten minutes a citizen's check-ins answer 429 rate_limited."""

import pytest
from django.utils import timezone

from tasks_app.models import CheckIn
from tasks_app.tests.conftest import SITE

pytestmark = pytest.mark.django_db


def test_the_61st_fix_in_ten_minutes_is_refused_with_retry_after(api_as, make_task, citizen) -> None:
    # given a citizen on site who checked in and then sends ping after ping
    task = make_task(headcount=2)
    me = api_as(citizen)
    claim_id = me.post(f"/tasks/{task.id}/claims").json()["id"]
    fix = {"lat": SITE[0], "lon": SITE[1], "accuracy_m": 8}
    statuses = [
        me.post(
            f"/claims/{claim_id}/checkins", {"kind": "in", **fix, "recorded_at": timezone.now().isoformat()}
        ).status_code
    ]
    for _ in range(59):
        ping = {"kind": "ping", **fix, "recorded_at": timezone.now().isoformat()}
        statuses.append(me.post(f"/claims/{claim_id}/checkins", ping).status_code)
    assert statuses == [201] * 60
    # when the 61st fix arrives within the ten minutes
    response = me.post(
        f"/claims/{claim_id}/checkins", {"kind": "ping", **fix, "recorded_at": timezone.now().isoformat()}
    )
    # then 429 rate_limited with Retry-After, and the fix is not stored
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 600
    assert body["details"] == {"retry_after": int(response["Retry-After"]), "limit": 60, "period_seconds": 600}
    assert CheckIn.objects.filter(claim_id=claim_id).count() == 60


def test_another_citizens_check_ins_are_not_limited_by_a_flood(api_as, make_task, citizen, make_user) -> None:
    # given a citizen past the limit
    task = make_task(headcount=2)
    flooder = api_as(citizen)
    flood_claim = flooder.post(f"/tasks/{task.id}/claims").json()["id"]
    fix = {"kind": "in", "lat": SITE[0], "lon": SITE[1], "accuracy_m": 8}
    for _ in range(61):
        flooder.post(f"/claims/{flood_claim}/checkins", {**fix, "recorded_at": timezone.now().isoformat()})
    # when another citizen checks in on the same task
    other = api_as(make_user())
    claim_id = other.post(f"/tasks/{task.id}/claims").json()["id"]
    response = other.post(f"/claims/{claim_id}/checkins", {**fix, "recorded_at": timezone.now().isoformat()})
    # then it is accepted
    assert response.status_code == 201
