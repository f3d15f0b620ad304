"""Push subscriptions and the one notification service: real encrypted pushes to a local push
service that decrypts them and checks the VAPID signature; SMS for alarms to a local gateway."""

from datetime import timedelta

import pytest
from django.utils import timezone

from engagement import services as engagement_services
from notify import services
from notify.errors import PushError
from notify.models import Delivery, NotifyChoice, PushSubscription
from notify.tests.pushservice import Browser

pytestmark = pytest.mark.django_db


def subscribe(api, push_service, name: str, browser: Browser):
    return api.post("/push/subscriptions", {"endpoint": push_service.endpoint(name), "keys": browser.keys})


def send(user, kind: str = "claim_approved", cause: str = "test:1", title: str = "Task approved: +100 FZB"):
    return engagement_services.notification_send(
        user=user, kind=kind, cause=cause, title=title, body="Night patrol", link="/tasks/7/"
    )


def quiet_now(user) -> None:
    now = timezone.localtime()
    NotifyChoice.objects.create(
        user=user, quiet_start=(now - timedelta(hours=1)).time(), quiet_end=(now + timedelta(hours=1)).time()
    )


def test_a_message_reaches_the_phone_encrypted_and_signed(
    make_user, api_as, push_service, vapid, django_capture_on_commit_callbacks
):
    # given a citizen whose phone subscribed to push
    user, phone = make_user(), Browser()
    created = subscribe(api_as(user), push_service, "phone-1", phone)
    assert created.status_code == 201, created.content
    assert created.json() == {"id": PushSubscription.objects.get(user=user).id}
    # when a message lands in their inbox
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(user)
    # then the push service got one aes128gcm message that only the phone can read
    (message,) = push_service.received
    assert message.path == "/push/phone-1"
    assert (message.headers["content-encoding"], message.headers["ttl"], message.headers["urgency"]) == (
        "aes128gcm",
        "3600",
        "normal",
    )
    assert phone.decrypt(message.body) == {
        "id": notification.id,
        "kind": "claim_approved",
        "title": "Task approved: +100 FZB",
        "body": "Night patrol",
        "url": "/tasks/7/",
    }
    with pytest.raises(Exception):  # noqa: B017, PT011 - another browser's key cannot open it
        Browser().decrypt(message.body)
    # and it is signed by this server for this push service
    claims = message.vapid_claims(server_public_key=vapid[0])
    assert (claims["aud"], claims["sub"]) == (push_service.origin, "mailto:ops@fubi.example")
    assert Delivery.objects.filter(notification_id=notification.id, channel="push").count() == 1


def test_an_alarm_is_pushed_in_quiet_hours_and_texted(
    make_user, api_as, push_service, sms_gateway, django_capture_on_commit_callbacks
):
    # given a volunteer (reading English) with a verified phone, a subscribed browser and quiet hours now
    user, phone = make_user(preferred_language="en"), Browser()
    type(user).objects.filter(pk=user.pk).update(phone="+8613800138000", phone_verified_at=timezone.now())
    user.refresh_from_db()
    subscribe(api_as(user), push_service, "phone-1", phone)
    quiet_now(user)
    # when an ordinary message and then an urgent offer arrive
    with django_capture_on_commit_callbacks(execute=True):
        send(user, cause="test:ordinary")
        offer = send(user, kind="dispatch_offer", cause="offer:9", title="Urgent: fight at Guxi street, 0.3 km")
    # then only the alarm was pushed (urgency high), and texted with its link
    (message,) = push_service.received
    assert message.headers["urgency"] == "high"
    assert phone.decrypt(message.body)["id"] == offer.id
    (text,) = sms_gateway.requests
    assert text["json"] == {
        "to": "+8613800138000",
        "text": "Fubi: Urgent: fight at Guxi street, 0.3 km https://fubi.example.cn/tasks/7/",
        "sender": "Fubi",
    }
    assert text["headers"]["authorization"] == "Bearer test-key-123"


def test_the_users_choices_pick_the_channels(
    make_user, api_as, push_service, sms_gateway, django_capture_on_commit_callbacks
):
    user, phone = make_user(), Browser()
    type(user).objects.filter(pk=user.pk).update(phone="+8613800138001", phone_verified_at=timezone.now())
    api = api_as(user)
    subscribe(api, push_service, "phone-1", phone)
    # push off, SMS for alarms off
    changed = api.patch("/notify/choices", {"push": False, "sms_alarms": False})
    assert changed.json() == {
        "push": False,
        "sms_alarms": False,
        "quiet_start": None,
        "quiet_end": None,
        "subscriptions": 1,
    }
    with django_capture_on_commit_callbacks(execute=True):
        send(user, kind="dispatch_offer", cause="offer:1")
    assert (push_service.received, sms_gateway.requests) == ([], [])
    # quiet hours refuse a zone offset, as every time of day does
    refused = api.patch("/notify/choices", {"quiet_start": "22:00:00+08:00"})
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid")


@pytest.mark.parametrize("status", [404, 410])
def test_a_push_service_that_says_gone_removes_the_subscription(
    make_user, api_as, push_service, status, django_capture_on_commit_callbacks
):
    user = make_user()
    api = api_as(user)
    subscribe(api, push_service, "gone", Browser())
    subscribe(api, push_service, "alive", Browser())
    push_service.statuses["/push/gone"] = status
    with django_capture_on_commit_callbacks(execute=True):
        send(user)
    assert sorted(m.path for m in push_service.received) == ["/push/alive", "/push/gone"]
    assert list(PushSubscription.objects.filter(user=user).values_list("endpoint", flat=True)) == [
        push_service.endpoint("alive")
    ]


def test_a_failing_push_service_is_retried_without_sending_twice(make_user, api_as, push_service):
    # given two phones, one behind a push service that fails
    user = make_user()
    api = api_as(user)
    subscribe(api, push_service, "broken", Browser())
    subscribe(api, push_service, "fine", Browser())
    push_service.statuses["/push/broken"] = 500
    job = {
        "user_id": user.id,
        "notification_id": 77,
        "kind": "claim_approved",
        "title": "t",
        "body": "",
        "link": "/",
        "alarm": False,
    }
    # when the job runs, it raises (Celery retries) after delivering to the good one
    with pytest.raises(PushError):
        services.notification_deliver(**job)
    # and when it runs again with the service back, only the failed one is sent
    push_service.statuses["/push/broken"] = 201
    assert services.notification_deliver(**job) == {"push": 1, "sms": 0}
    assert [m.path for m in push_service.received] == ["/push/broken", "/push/fine", "/push/broken"]
    assert services.notification_deliver(**job) == {"push": 0, "sms": 0}  # a third run sends nothing


def test_subscriptions_are_checked_and_kept_per_user(make_user, api_as, push_service, settings):
    alice, bob = make_user(), make_user()
    phone = Browser()
    api = api_as(alice)
    # only the push services this server knows, over https; keys that are a P-256 point and 16 bytes
    for endpoint in ("http://169.254.169.254/latest/meta-data", "https://intranet.example/push/1"):
        refused = api.post("/push/subscriptions", {"endpoint": endpoint, "keys": phone.keys})
        assert (refused.status_code, refused.json()["code"]) == (422, "push_endpoint_refused")
    bad_keys = {"p256dh": phone.keys["p256dh"][:-4], "auth": phone.keys["auth"]}
    refused = api.post("/push/subscriptions", {"endpoint": push_service.endpoint("a"), "keys": bad_keys})
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid")
    settings.FUBI_PUSH_ALLOW_HTTP = False
    assert (
        api.post("/push/subscriptions", {"endpoint": push_service.endpoint("a"), "keys": phone.keys}).status_code == 422
    )
    settings.FUBI_PUSH_ALLOW_HTTP = True
    # the same browser signing in as Bob moves to Bob
    first = subscribe(api, push_service, "a", phone).json()["id"]
    again = subscribe(api_as(bob), push_service, "a", phone).json()["id"]
    assert first == again
    assert PushSubscription.objects.get(pk=first).user_id == bob.id
    # only its user deletes it
    assert api.delete(f"/push/subscriptions/{first}").status_code == 404
    assert api_as(bob).delete(f"/push/subscriptions/{first}").status_code == 204
    assert not PushSubscription.objects.exists()
    assert api_as(None).get("/push/key").json() == {"public_key": settings.FUBI_VAPID_PUBLIC_KEY}


def test_the_service_worker_is_served_at_the_root_and_the_me_page_offers_push(client, make_user):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert (response["Content-Type"], response["Service-Worker-Allowed"], response["Cache-Control"]) == (
        "text/javascript; charset=utf-8",
        "/",
        "no-cache",
    )
    assert b'addEventListener("push"' in response.content
    client.force_login(make_user())
    page = client.get("/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert b'data-testid="push-on"' in page.content
    assert b"/static/js/notify-push.js" in page.content
