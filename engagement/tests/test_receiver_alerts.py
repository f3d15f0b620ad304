"""The kinds that moved here from tasks_app and tips: reminders, urgent offers, no-shows, merged tips,
and staff alerts (SOS, escalations), which are mailed whatever the email opt-in. One per cause."""

from datetime import datetime
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client

from core.events import publish
from engagement import services
from engagement.models import EngagementProfile, Notification, UserBadge
from engagement.rules import CITY_TZ
from engagement.tests.conftest import verified_tip

pytestmark = pytest.mark.django_db


def inbox(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user).order_by("id"))


def fake_claim(pk: int = 7) -> SimpleNamespace:
    """The tasks app's Claim as the receiver reads it."""
    starts_at = datetime(2026, 5, 1, 19, 0, tzinfo=CITY_TZ)
    task = SimpleNamespace(pk=31, title="Evening patrol", address="Guxi police station", starts_at=starts_at)
    return SimpleNamespace(pk=pk, task=task, task_id=task.pk)


def test_reminder_and_no_show_link_to_the_task_once_each(world, make_user) -> None:
    citizen = make_user(preferred_language="en")
    claim = fake_claim()
    for _replay in range(2):
        publish("task.reminder", user=citizen, obj=claim)
        publish("claim.no_show", user=citizen, obj=claim)
    rows = [(n.kind, n.cause, n.title, n.link) for n in inbox(citizen)]
    assert rows == [
        ("task_reminder", "claim:7:reminder", "Reminder: Evening patrol starts at 19:00", "/tasks/31/onsite/"),
        ("claim_no_show", "claim:7:no_show", "Missed: Evening patrol", "/tasks/31/"),
    ]
    assert "Guxi police station" in inbox(citizen)[0].body


def test_urgent_offer_message_in_the_volunteers_language(world, make_user) -> None:
    zh = make_user(preferred_language="zh-hans")
    offer = SimpleNamespace(pk=5, task=fake_claim().task, distance_m=1234.0)
    publish("dispatch.offered", user=zh, obj=offer, distance_m=1234.0)
    publish("dispatch.offered", user=zh, obj=offer, distance_m=1234.0)  # replay
    [message] = inbox(zh)
    assert (message.kind, message.cause, message.link) == ("dispatch_offer", "offer:5", "/tasks/on-call/")
    assert "1.2" in message.title
    assert not message.title.startswith("Urgent")


def test_merged_tip_reporter_hears_the_primarys_progress_once_per_status(world, make_user) -> None:
    citizen = make_user(preferred_language="en")
    tip = verified_tip(world, citizen, verify=False)
    for status in ("accepted", "accepted", "verified"):
        publish("tip.status_changed", user=citizen, obj=tip, status=status, primary_id=99, primary_reference="T-PRIME")
    messages = [n for n in inbox(citizen) if n.kind == "tip_status"]
    assert [n.cause for n in messages] == [f"tip:{tip.pk}:primary:99:accepted", f"tip:{tip.pk}:primary:99:verified"]
    assert messages[0].title == f"The case your tip {tip.reference} was merged into: Accepted"
    assert messages[0].body == "Handled together as T-PRIME."
    assert messages[0].link == f"/tips/{tip.pk}/"


def test_staff_alerts_are_mailed_without_opt_in_and_never_name_an_anonymous_reporter(
    world, make_user, django_capture_on_commit_callbacks
) -> None:
    # given an anonymous tip and a staff member who never allowed email
    reporter = make_user(display_name="Secret Reporter", preferred_language="en")
    tip = verified_tip(world, reporter, verify=False)
    tip.anonymous = True
    staff = world["grid_staff"]
    staff.preferred_language = "en"
    services.profile_update(user=staff, email_opt_in=False)
    # when an SOS and an escalation are published to them (and replayed)
    with django_capture_on_commit_callbacks(execute=True):
        for _replay in range(2):
            publish("case.sos", user=staff, obj=tip)
            publish("case.escalated", user=staff, obj=tip, stage="accept", grid_id=tip.grid_id)
    # then one message and one email each, linking to the case
    rows = [(n.kind, n.cause, n.link) for n in inbox(staff)]
    assert rows == [
        ("case_sos", f"case:{tip.pk}:sos:{staff.pk}", f"/staff/cases/{tip.pk}/"),
        ("case_escalated", f"case:{tip.pk}:escalated:accept:{staff.pk}", f"/staff/cases/{tip.pk}/"),
    ]
    assert sorted(m.subject for m in mail.outbox) == [
        f"Fubi: Case {tip.reference} escalated to you: accept deadline missed",
        f"Fubi: SOS {tip.reference}: {tip.category.name_en} in West community",
    ]
    assert {tuple(m.to) for m in mail.outbox} == {(staff.email,)}
    # and nothing names the reporter
    everything = " ".join(f"{n.title} {n.body}" for n in inbox(staff)) + " ".join(m.body for m in mail.outbox)
    assert reporter.email not in everything
    assert "Secret Reporter" not in everything
    # and staff alerts do not touch the staff member's own badges
    assert not UserBadge.objects.filter(user=staff).exists()
    assert EngagementProfile.objects.get(user=staff).email_opt_in is False


def test_top_bar_shows_the_unread_count_only_to_its_owner(world, make_user) -> None:
    citizen = make_user(preferred_language="en")
    tip = verified_tip(world, citizen, verify=False)
    publish("tip.status_changed", user=citizen, obj=tip, status="accepted")
    publish("tip.status_changed", user=citizen, obj=tip, status="assigned")
    client = Client()
    client.force_login(citizen)
    page = client.get("/inbox/").content.decode()
    assert 'data-testid="inbox-unread">2<' in page
    client.post("/inbox/read/")
    page = client.get("/inbox/").content.decode()
    assert 'data-testid="inbox-link"' in page
    assert 'data-testid="inbox-unread"' not in page
    anonymous = Client().get("/leaderboard/").content.decode()
    assert 'data-testid="inbox-link"' not in anonymous
