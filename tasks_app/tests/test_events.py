"""Domain events of the tasks app: published after commit (never for a rollback), one inbox message
per cause in engagement's inbox, replays add nothing."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from core.events import domain_event, publish
from engagement.models import Notification as InboxMessage  # the one inbox; tasks_app never imports it
from tasks_app import services
from tasks_app.models import Claim, ClaimStatus
from tasks_app.tests.conftest import SITE, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def events():
    """Every domain event sent during the test: (name, user id, obj, data)."""
    seen: list[tuple[str, int | None, object, dict]] = []

    def listen(sender, *, name, user=None, obj=None, data=None, **_):
        seen.append((name, getattr(user, "pk", None), obj, dict(data or {})))

    domain_event.connect(listen, dispatch_uid="tasks_app.tests.events")
    yield seen
    domain_event.disconnect(dispatch_uid="tasks_app.tests.events")


def check_in_and_out(claim: Claim) -> None:
    now = timezone.now()
    for kind in ("in", "out"):
        services.checkin_record(
            claim=claim, kind=kind, lat=SITE[0], lon=SITE[1], accuracy_m=10, recorded_at=now, now=now
        )


def inbox(user) -> list[InboxMessage]:
    return list(InboxMessage.objects.filter(user=user).exclude(kind__in=["badge", "level_up"]).order_by("id"))


def test_completion_and_approval_publish_after_commit_and_reach_the_inbox_once(
    make_task, staff, citizen, events, django_capture_on_commit_callbacks
) -> None:
    # given a citizen's claim on a 100-point task
    task = make_task(points=100)
    claim = services.claim_create(task=task, user=citizen)
    # when they check in and out, then the agency approves
    with django_capture_on_commit_callbacks(execute=True):
        check_in_and_out(claim)
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_approve(claim=claim, user=staff)
    # then completed, approved and paid went out, about the claim, to the citizen, with the points
    assert [(name, user_id, data) for name, user_id, _obj, data in events] == [
        ("claim.completed", citizen.pk, {}),
        ("claim.approved", citizen.pk, {"points": 100}),
        ("claim.paid", citizen.pk, {"points": 100}),
    ]
    assert all(isinstance(obj, Claim) and obj.pk == claim.pk for _n, _u, obj, _d in events)
    # and the citizen has one message about it (approved and paid are one piece of news)
    messages = inbox(citizen)
    assert [(m.kind, m.link) for m in messages] == [("claim_approved", f"/tasks/{task.id}/")]
    assert "+100" in messages[0].title
    # when approving again (a replay), nothing more is published or stored
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_approve(claim=claim, user=staff)
    assert len(events) == 3
    assert len(inbox(citizen)) == 1


def test_rejection_tells_the_reason(make_task, staff, citizen, events, django_capture_on_commit_callbacks) -> None:
    claim = services.claim_create(task=make_task(), user=citizen)
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_reject(claim=claim, user=staff, reason="Left before the end")
        services.claim_reject(claim=claim, user=staff, reason="Left before the end")  # a replay
    assert [(name, data) for name, _u, _o, data in events] == [("claim.rejected", {"reason": "Left before the end"})]
    [message] = inbox(citizen)
    assert (message.kind, message.body) == ("claim_rejected", "Left before the end")


def test_a_rolled_back_decision_publishes_nothing(make_task, staff, citizen, events) -> None:
    claim = services.claim_create(task=make_task(), user=citizen)

    def reject_then_fail() -> None:
        with transaction.atomic():
            services.claim_reject(claim=claim, user=staff, reason="x")
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        reject_then_fail()
    assert events == []
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.CLAIMED


def test_no_show_is_told_once(make_task, citizen, events, django_capture_on_commit_callbacks) -> None:
    # given a claim never checked in on a task whose window is over
    start = timezone.now() - timedelta(hours=3)
    task = make_task(starts_at=start, ends_at=start + timedelta(hours=4))
    claim = services.claim_create(task=task, user=citizen)
    later = start + timedelta(hours=5)
    # when the no-show sweep runs twice
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_mark_no_show(claim=claim, now=later)
        services.claim_mark_no_show(claim=claim, now=later)
    # then one event and one message, linking to the task
    assert [name for name, *_ in events] == ["claim.no_show"]
    [message] = inbox(citizen)
    assert (message.kind, message.link) == ("claim_no_show", f"/tasks/{task.id}/")
    # and a replayed event adds nothing
    with django_capture_on_commit_callbacks(execute=True):
        publish("claim.no_show", user=citizen, obj=Claim.objects.get(pk=claim.pk))
    assert len(inbox(citizen)) == 1


def test_urgent_offers_go_to_each_volunteer_in_their_language(
    make_task, events, django_capture_on_commit_callbacks
) -> None:
    # given two on-call volunteers near the site, one reading Chinese
    en = UserFactory(preferred_language="en")
    zh = UserFactory(preferred_language="zh-hans")
    for offset, user in enumerate((en, zh), start=1):
        services.volunteer_on_call_set(user=user, on_call=True, lat=SITE[0] + offset * 0.001, lon=SITE[1])
    task = make_task(headcount=2)
    # when the agency dispatches
    with django_capture_on_commit_callbacks(execute=True):
        offers = services.task_dispatch(task=task, count=2)
    # then each volunteer hears of their own offer once, with the distance
    assert sorted(user_id for name, user_id, *_ in events if name == "dispatch.offered") == sorted([en.pk, zh.pk])
    [en_message] = inbox(en)
    [zh_message] = inbox(zh)
    assert en_message.kind == zh_message.kind == "dispatch_offer"
    assert en_message.title.startswith("Urgent:")
    assert "0.1 km" in en_message.title
    assert not zh_message.title.startswith("Urgent:")  # translated
    assert en_message.cause == f"offer:{offers[0].pk}"
    # a replayed event adds nothing
    with django_capture_on_commit_callbacks(execute=True):
        publish("dispatch.offered", user=en, obj=offers[0], distance_m=offers[0].distance_m)
    assert len(inbox(en)) == 1
