"""Domain events → inbox messages, emails where the citizen allows, badges re-evaluated."""

import pytest
from django.core import mail

from core.events import publish
from engagement import services
from engagement.models import Notification, UserBadge
from engagement.tests.conftest import paid_task, verified_tip

pytestmark = pytest.mark.django_db


def inbox(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user).order_by("id"))


def test_claim_approved_makes_one_message_and_awards_the_badge(
    world, make_user, django_capture_on_commit_callbacks
) -> None:
    citizen = make_user(preferred_language="en")
    claim = paid_task(world, citizen, category="night_patrol", points=120)
    # when the tasks app publishes approved, then paid, and a retry replays both
    with django_capture_on_commit_callbacks(execute=True):
        for name in ("claim.approved", "claim.paid", "claim.approved"):
            publish(name, user=citizen, obj=claim, points=120)
    # then one message about the task and one about the badge it earned
    kinds = [(n.kind, n.title) for n in inbox(citizen)]
    assert ("claim_approved", "Task approved: +120 FZB") in kinds
    assert [k for k, _ in kinds].count("claim_approved") == 1
    assert UserBadge.objects.filter(user=citizen, badge="first_patrol").exists()
    assert [k for k, _ in kinds].count("badge") == 1
    assert inbox(citizen)[0].link == f"/tasks/{claim.task_id}/"
    # and no email: the citizen never allowed it
    assert mail.outbox == []


def test_email_only_where_the_citizen_allows(world, make_user, django_capture_on_commit_callbacks) -> None:
    allows, refuses = make_user(preferred_language="en"), make_user(preferred_language="en")
    services.profile_update(user=allows, email_opt_in=True)
    services.profile_update(user=refuses, email_opt_in=False)
    for user in (allows, refuses):
        claim = paid_task(world, user, category="traffic_guidance")
        with django_capture_on_commit_callbacks(execute=True):
            publish("claim.rejected", user=user, obj=claim, reason="Left early")
    # (the allowed citizen also hears of reaching level 2 with the task's 100 points)
    assert {tuple(m.to) for m in mail.outbox} == {(allows.email,)}
    assert sorted(m.subject for m in mail.outbox) == [
        "Fubi: Level 2 reached: Neighbour",
        "Fubi: Task not approved: traffic_guidance task",
    ]
    assert Notification.objects.get(user=allows, kind="claim_rejected").emailed_at is not None
    assert Notification.objects.get(user=refuses, kind="claim_rejected").emailed_at is None
    assert Notification.objects.get(user=refuses, kind="claim_rejected").body == "Left early"


def test_tip_status_changes_each_make_a_message_in_the_users_language(world, make_user) -> None:
    citizen = make_user(preferred_language="zh-hans")
    tip = verified_tip(world, citizen, verify=False)
    publish("tip.status_changed", user=citizen, obj=tip, status="accepted")
    publish("tip.status_changed", user=citizen, obj=tip, status="accepted")  # replay
    publish("tip.verified", user=citizen, obj=tip, points=200)
    publish("tip.status_changed", user=citizen, obj=tip, status="verified")  # same news as tip.verified
    messages = [n for n in inbox(citizen) if n.kind == "tip_status"]
    assert [n.cause for n in messages] == [f"tip:{tip.pk}:status:accepted", f"tip:{tip.pk}:status:verified"]
    assert tip.reference in messages[0].title
    assert messages[0].link == f"/tips/{tip.pk}/"
    assert "200" in messages[1].body


def test_redemption_ready_and_fulfilled(world, make_user) -> None:
    citizen = make_user(preferred_language="en")

    class Redemption:  # the rewards app's object as the receiver reads it (pk, code, reward.name)
        pk = 41
        code = "K7Q2"

        class reward:  # noqa: N801
            name = "Shower gel"

    publish("redemption.ready", user=citizen, obj=Redemption())
    publish("redemption.fulfilled", user=citizen, obj=Redemption())
    rows = [(n.kind, n.title, n.body) for n in inbox(citizen)]
    assert rows == [
        ("redemption_ready", "Your order is ready for pickup: Shower gel", "Pickup code: K7Q2"),
        ("redemption_fulfilled", "Order handed over: Shower gel", ""),
    ]


def test_events_without_a_user_or_unknown_do_nothing_and_failures_never_reach_the_sender(
    world, make_user, monkeypatch
) -> None:
    citizen = make_user()
    publish("claim.approved", user=None, obj=None)
    publish("something.else", user=citizen, obj=None)
    assert inbox(citizen) == []

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "engagement_refresh", broken)
    publish("claim.completed", user=citizen, obj=None)  # does not raise


def test_verified_tip_event_awards_first_verified_tip(world, make_user) -> None:
    citizen = make_user()
    tip = verified_tip(world, citizen)
    publish("tip.verified", user=citizen, obj=tip, points=200)
    assert UserBadge.objects.filter(user=citizen, badge="first_verified_tip").exists()
    assert Notification.objects.filter(user=citizen, cause=f"badge:{citizen.pk}:first_verified_tip").exists()


def test_inbox_api_lists_and_marks_read(world, make_user, api_as) -> None:
    citizen, other = make_user(), make_user()
    tip = verified_tip(world, citizen, verify=False)
    publish("tip.status_changed", user=citizen, obj=tip, status="accepted")
    publish("tip.status_changed", user=citizen, obj=tip, status="assigned")
    body = api_as(citizen).get("/inbox").json()
    assert (body["count"], body["unread"]) == (2, 2)
    assert api_as(other).get("/inbox").json()["count"] == 0
    first = body["items"][0]["id"]
    assert api_as(other).post("/inbox/read", {"ids": [first]}).json() == {"marked": 0}  # not theirs
    assert api_as(citizen).post("/inbox/read", {"ids": [first]}).json() == {"marked": 1}
    assert api_as(citizen).get("/inbox").json()["unread"] == 1
    assert api_as(citizen).post("/inbox/read", {}).json() == {"marked": 1}
    assert api_as(None).get("/inbox").status_code == 401
    for params in ({"offset": 10**19}, {"offset": -1}, {"limit": 0}):
        response = api_as(citizen).get("/inbox", params)
        assert response.status_code == 422
        assert response.json()["code"] == "invalid"


def test_a_shop_order_messages_the_citizen_without_recomputing_their_standing(
    world, make_user, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    # given a citizen with a paid task whose badge was never computed
    citizen = make_user(preferred_language="en")
    claim = paid_task(world, citizen, category="night_patrol", points=120)
    refreshed: list[int] = []
    real = services.engagement_refresh

    def counted(*, user, **kwargs):
        refreshed.append(user.pk)
        return real(user=user, **kwargs)

    monkeypatch.setattr(services, "engagement_refresh", counted)

    # when the shop reports an order ready (spending points changes no level, badge or home community)
    class Order:  # the rewards app's object as the receiver reads it (pk, code, reward.name)
        pk = 991
        code = "ABCD2345"

        class reward:  # noqa: N801
            name = "Shower gel"

    with django_capture_on_commit_callbacks(execute=True):
        publish("redemption.ready", user=citizen, obj=Order())
    # then the citizen has the message, but no standing was recomputed and no badge appeared
    assert [n.kind for n in inbox(citizen)] == ["redemption_ready"]
    assert refreshed == []
    assert not UserBadge.objects.filter(user=citizen).exists()
    # while a task payout still recomputes it
    with django_capture_on_commit_callbacks(execute=True):
        publish("claim.paid", user=citizen, obj=claim, points=120)
    assert refreshed == [citizen.pk]
    assert UserBadge.objects.filter(user=citizen, badge="first_patrol").exists()
