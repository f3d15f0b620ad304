"""Inbox messages are a code and its parameters, rendered in the reader's language when read: a
message sent to a Chinese-speaking citizen reads in English on an English page or API call, and
the other way round; a message from before codes existed is shown as it was stored."""

import pytest
from django.test import Client
from django.utils import translation

from core.events import publish
from engagement.messages import RENDERERS, message_render
from engagement.models import Notification, NotificationKind
from engagement.tests.conftest import verified_tip
from engagement.tests.test_receiver_alerts import fake_claim

pytestmark = pytest.mark.django_db


def test_a_message_written_in_chinese_reads_in_english_for_an_english_reader(world, make_user, api_as) -> None:
    citizen = make_user(preferred_language="zh-hans")
    publish("task.reminder", user=citizen, obj=fake_claim())
    stored = Notification.objects.get(user=citizen)
    assert (stored.message, stored.params["title"]) == ("task_reminder", "Evening patrol")
    assert stored.title == "提醒：Evening patrol 将于 19:00 开始"  # the email's text, in the recipient's language

    english = api_as(citizen).get("/inbox", headers={"Accept-Language": "en"}).json()["items"][0]
    chinese = api_as(citizen).get("/inbox", headers={"Accept-Language": "zh-hans"}).json()["items"][0]
    assert english["title"] == "Reminder: Evening patrol starts at 19:00"
    assert english["body"] == "Meet at Guxi police station. Check in on site with your phone."
    assert chinese["title"] == "提醒：Evening patrol 将于 19:00 开始"


def test_the_inbox_page_shows_tip_states_in_the_pages_language(world, make_user) -> None:
    citizen = make_user(preferred_language="zh-hans")
    tip = verified_tip(world, citizen, verify=False)
    publish("tip.status_changed", user=citizen, obj=tip, status="accepted")
    client = Client()
    client.force_login(citizen)
    client.cookies["django_language"] = "en"
    page = client.get("/inbox/").content.decode()
    assert f"Your tip {tip.reference}: Accepted" in page
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/inbox/").content.decode()
    assert f"您的随手拍 {tip.reference}：已受理" in page


def test_a_message_without_a_code_is_shown_as_stored(world, make_user, api_as) -> None:
    citizen = make_user()
    Notification.objects.create(user=citizen, kind=NotificationKind.BADGE, cause="old:1", title="旧消息", body="正文")
    item = api_as(citizen).get("/inbox", headers={"Accept-Language": "en"}).json()["items"][0]
    assert (item["title"], item["body"]) == ("旧消息", "正文")


def test_every_code_renders_and_broken_params_fall_back() -> None:
    assert "level_up" in RENDERERS
    with translation.override("en"):
        assert message_render("level_up", {"number": 3})[0] == "Level 3 reached: Helper"
    with translation.override("zh-hans"):
        assert message_render("level_up", {"number": 3})[0] == "升至 3 级：热心人"
    assert message_render("level_up", {}) is None
    assert message_render("no_such_code", {}) is None
