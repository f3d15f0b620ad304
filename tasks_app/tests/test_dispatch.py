"""Urgent dispatch: offers go to the nearest on-call volunteers and widen after a timeout."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from tasks_app import services
from tasks_app.errors import OfferClosedError
from tasks_app.models import ClaimStatus, DispatchOffer, OfferStatus
from tasks_app.tests.conftest import SITE

pytestmark = pytest.mark.django_db


@pytest.fixture
def volunteers(db):
    """Six on-call volunteers 100 m, 200 m … 600 m north of the site, and one off call at 50 m."""
    people = []
    for i in range(1, 7):
        user = UserFactory(display_name=f"V{i}")
        services.volunteer_on_call_set(user=user, on_call=True, lat=SITE[0] + i * 0.0009, lon=SITE[1], accuracy_m=10)
        people.append(user)
    off = UserFactory()
    services.volunteer_on_call_set(user=off, on_call=True, lat=SITE[0] + 0.00045, lon=SITE[1])
    services.volunteer_on_call_set(user=off, on_call=False)
    return people


def test_urgent_task_goes_to_the_nearest_on_call_volunteers(make_task, volunteers) -> None:
    task = make_task(headcount=2)
    offers = services.task_dispatch(task=task, count=3)
    assert [offer.user_id for offer in offers] == [v.id for v in volunteers[:3]]
    assert offers[0].distance_m == pytest.approx(100, abs=2)
    task.refresh_from_db()
    assert task.is_urgent


def test_accepting_an_offer_claims_a_place(make_task, volunteers) -> None:
    task = make_task(headcount=2)
    offer = services.task_dispatch(task=task, count=2)[0]
    accepted = services.offer_accept(offer=offer, user=volunteers[0])
    assert accepted.status == OfferStatus.ACCEPTED
    assert accepted.claim.status == ClaimStatus.CLAIMED
    assert services.offer_accept(offer=offer, user=volunteers[0]).claim_id == accepted.claim_id


def test_offers_widen_after_declines_or_timeout(make_task, volunteers) -> None:
    # given a first round to the 2 nearest
    task = make_task(headcount=2)
    first = services.task_dispatch(task=task, count=2)
    services.offer_decline(offer=first[0], user=volunteers[0])
    # when nothing is pending yet but one offer is still open, no new round
    assert services.dispatch_widen(task=task) == []
    # when the timeout has passed, the open offer expires and the next 2 nearest are asked
    later = timezone.now() + timedelta(minutes=6)
    second = services.dispatch_widen(task=task, now=later)
    assert [offer.user_id for offer in second] == [volunteers[2].id, volunteers[3].id]
    assert DispatchOffer.objects.get(pk=first[1].pk).status == OfferStatus.EXPIRED
    with pytest.raises(OfferClosedError):
        services.offer_accept(offer=first[1], user=volunteers[1], now=later)


def test_through_the_api(api_as, make_task, staff, citizen, django_capture_on_commit_callbacks) -> None:
    me = api_as(citizen)
    on = me.post("/volunteer/on-call", {"on_call": True, "lat": SITE[0] + 0.001, "lon": SITE[1], "accuracy_m": 10})
    assert on.status_code == 200
    assert on.json()["on_call"] is True
    task = make_task(headcount=1)
    with django_capture_on_commit_callbacks(execute=True):
        offers = api_as(staff).post(f"/tasks/{task.id}/dispatch", {"count": 3}).json()
    assert offers["count"] == 1
    offer_id = offers["items"][0]["id"]
    assert me.get("/offers").json()["items"][0]["id"] == offer_id
    accepted = me.post(f"/offers/{offer_id}/accept")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert me.get("/claims").json()["count"] == 1
    # the offer reached the one inbox (engagement's), linking to the on-call page where it is answered
    inbox = me.get("/inbox").json()
    assert [(n["kind"], n["link"]) for n in inbox["items"]] == [("dispatch_offer", "/tasks/on-call/")]
    assert task.title in inbox["items"][0]["title"]
    assert me.get("/volunteer/notifications").status_code == 404  # the old inbox is gone
    assert api_as(UserFactory()).post(f"/offers/{offer_id}/accept").status_code == 404
    assert me.post(f"/tasks/{task.id}/dispatch", {}).status_code == 403
