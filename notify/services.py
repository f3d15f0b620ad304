"""The one notification service: every inbox message (engagement.services.notification_send) is
also offered to the user's other channels, chosen by their NotifyChoice:

| channel | when |
| --- | --- |
| inbox | always (engagement; it is the record) |
| email | engagement's own rule (the opt-in; staff alerts always) |
| Web Push | to each of their phones' subscriptions, unless push is off or it is their quiet hours |
| SMS | alarms only (an urgent offer, an SOS alert to staff), to a verified number, unless turned off |

Alarms ignore quiet hours. Delivery happens in a Celery job recorded with the message
(`notification_deliver_task` through core.outbox), never in the request. The job records each
delivery (Delivery: notification, channel, target) after it succeeded and skips those on a second
run; a crash between sending and recording sends that one again (at least once). A push service
answering 404 or 410 means the browser dropped the subscription: it is deleted.
"""

import json
import logging
from datetime import datetime, time
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import sms
from accounts.models import User
from core.outbox import outbox_enqueue
from notify.errors import (
    PushEndpointRefusedError,
    PushError,
    PushKeysInvalidError,
    PushNotConfiguredError,
    PushSubscriptionNotFoundError,
)
from notify.models import Delivery, DeliveryChannel, NotifyChoice, PushSubscription
from notify.vapid import b64url_decode, vapid_keys

logger = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS = 10  # per user: the oldest goes when an eleventh phone subscribes


# --- subscriptions and choices ----------------------------------------------------------------------


def push_endpoint_check(endpoint: str) -> None:
    """Only https URLs of the push services in FUBI_PUSH_ENDPOINT_HOSTS: the server posts to this URL,
    so anything else (an intranet address, a metadata service) is refused. Raises PushEndpointRefusedError."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    allowed = settings.FUBI_PUSH_ENDPOINT_HOSTS
    scheme_ok = parts.scheme == "https" or (parts.scheme == "http" and settings.FUBI_PUSH_ALLOW_HTTP)
    host_ok = any(host == entry or (entry.startswith(".") and host.endswith(entry)) for entry in allowed)
    if not (scheme_ok and host_ok):
        raise PushEndpointRefusedError(field="endpoint", host=host)


def _keys_check(p256dh: str, auth: str) -> None:
    try:
        point, secret = b64url_decode(p256dh), b64url_decode(auth)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, TypeError) as error:
        raise PushKeysInvalidError(field="keys") from error
    if len(point) != 65 or len(secret) != 16:
        raise PushKeysInvalidError(field="keys")


@transaction.atomic
def push_subscription_create(*, user: User, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Keep this browser's subscription for the user (the same endpoint again: updated, and moved to
    this user if another had it). Raises PushEndpointRefusedError, PushKeysInvalidError."""
    push_endpoint_check(endpoint)
    _keys_check(p256dh, auth)
    subscription, _created = PushSubscription.objects.select_for_update().update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
    )
    extra = PushSubscription.objects.filter(user=user).order_by("-updated_at", "-id")[MAX_SUBSCRIPTIONS:]
    PushSubscription.objects.filter(pk__in=[s.pk for s in extra]).delete()
    return subscription


def push_subscription_get_for_user(*, user: User, subscription_id: int) -> PushSubscription:
    """One of the user's own subscriptions; NotFound for anyone else's."""
    subscription = PushSubscription.objects.filter(pk=subscription_id, user_id=user.pk).first()
    if subscription is None:
        raise PushSubscriptionNotFoundError(subscription_id=subscription_id)
    return subscription


def push_subscription_delete(*, subscription: PushSubscription) -> None:
    """Forget a subscription (the user turned push off on that phone)."""
    PushSubscription.objects.filter(pk=subscription.pk).delete()


def notify_choice_for(*, user: User) -> NotifyChoice:
    """The user's choices, the defaults when they never chose (not saved)."""
    return NotifyChoice.objects.filter(user_id=user.pk).first() or NotifyChoice(user=user)


@transaction.atomic
def notify_choice_update(*, user: User, **changes: Any) -> NotifyChoice:
    """Change some of push, sms_alarms, quiet_start, quiet_end (None clears quiet hours)."""
    choice, _created = NotifyChoice.objects.select_for_update().get_or_create(user=user)
    for name, value in changes.items():
        setattr(choice, name, value)
    choice.save()
    return choice


def in_quiet_hours(choice: NotifyChoice, *, now: datetime) -> bool:
    """Whether `now`, on the city's clock, falls in the user's quiet hours (which may span midnight)."""
    start, end = choice.quiet_start, choice.quiet_end
    if start is None or end is None or start == end:
        return False
    moment: time = timezone.localtime(now).time()
    return start <= moment < end if start < end else (moment >= start or moment < end)


# --- delivery ---------------------------------------------------------------------------------------


def notification_deliver_enqueue(
    *, user: User, notification_id: int, kind: str, title: str, body: str, link: str, alarm: bool
) -> bool:
    """Record the delivery job of a new inbox message when another channel may want it: an alarm
    (SMS, push), or a user with a phone subscribed to push. Call it where the message is written."""
    if not alarm and not PushSubscription.objects.filter(user_id=user.pk).exists():
        return False
    from notify.tasks import notification_deliver_task

    outbox_enqueue(
        task=notification_deliver_task.name,
        key=f"notify.deliver:{notification_id}",
        kwargs={
            "user_id": user.pk,
            "notification_id": notification_id,
            "kind": kind,
            "title": title[:200],
            "body": body[:500],
            "link": link,
            "alarm": alarm,
        },
    )
    return True


def notification_deliver(
    *,
    user_id: int,
    notification_id: int,
    kind: str,
    title: str,
    body: str,
    link: str,
    alarm: bool,
    now: datetime | None = None,
) -> dict[str, int]:
    """Push and text one notification as the user chose; returns how many went by each channel.

    Raises PushError or SmsError after trying every target when one failed (the job retries; what
    went through is recorded and not sent again).
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return {"push": 0, "sms": 0}
    choice = notify_choice_for(user=user)
    quiet = in_quiet_hours(choice, now=now or timezone.now())
    payload = {"id": notification_id, "kind": kind, "title": title, "body": body, "url": link or "/"}
    sent = {"push": 0, "sms": 0}
    failures: list[Exception] = []
    if choice.push and (alarm or not quiet):
        sent["push"], failures = _push_all(user=user, notification_id=notification_id, payload=payload, alarm=alarm)
    if alarm and choice.sms_alarms and user.phone and user.phone_verified_at:
        sent["sms"] = _sms_once(user=user, notification_id=notification_id, title=title, link=link)
    if failures:
        raise failures[0]
    return sent


def _push_all(*, user: User, notification_id: int, payload: dict, alarm: bool) -> tuple[int, list[Exception]]:
    sent, failures = 0, []
    done = set(
        Delivery.objects.filter(notification_id=notification_id, channel=DeliveryChannel.PUSH).values_list(
            "target", flat=True
        )
    )
    for subscription in PushSubscription.objects.filter(user=user).order_by("id"):
        target = f"sub:{subscription.pk}"
        if target in done:
            continue
        try:
            delivered = push_send(subscription=subscription, payload=payload, urgent=alarm)
        except (PushError, PushNotConfiguredError) as error:
            failures.append(error)
            continue
        if delivered:
            Delivery.objects.get_or_create(notification_id=notification_id, channel=DeliveryChannel.PUSH, target=target)
            sent += 1
    return sent, failures


def _sms_once(*, user: User, notification_id: int, title: str, link: str) -> int:
    if Delivery.objects.filter(notification_id=notification_id, channel=DeliveryChannel.SMS).exists():
        return 0
    url = f"{settings.FUBI_SITE_URL.rstrip('/')}{link}" if settings.FUBI_SITE_URL and link else link
    with translation.override(user.preferred_language or None):  # the title is in their language already
        text = _("Fubi: %(title)s %(url)s") % {"title": title, "url": url}
    sms.sms_send(to=user.phone, text=text.strip()[:300])  # SmsError: the job retries
    Delivery.objects.get_or_create(notification_id=notification_id, channel=DeliveryChannel.SMS, target="sms")
    return 1


def push_send(*, subscription: PushSubscription, payload: dict, urgent: bool = False) -> bool:
    """Encrypt and post one message to the subscription's push service (aes128gcm, VAPID-signed).

    True when taken; False when the service answered 404 or 410 (the subscription is deleted).
    Raises PushError for any other failure, PushNotConfiguredError without VAPID keys.
    """
    from pywebpush import WebPushException, webpush

    keys = vapid_keys()
    if keys is None:
        raise PushNotConfiguredError("FUBI_VAPID_PUBLIC_KEY / FUBI_VAPID_PRIVATE_KEY are not set")
    push_endpoint_check(subscription.endpoint)  # the allowed hosts may have changed since it was kept
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=keys[1],
            vapid_claims={"sub": settings.FUBI_VAPID_SUBJECT},  # pywebpush adds aud and exp to it
            ttl=settings.FUBI_PUSH_TTL_SECONDS,
            timeout=settings.FUBI_PUSH_TIMEOUT_SECONDS,
            headers={"Urgency": "high" if urgent else "normal"},
        )
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        if status in (404, 410):
            PushSubscription.objects.filter(pk=subscription.pk).delete()
            logger.info("notify: push subscription %s is gone (%s), deleted", subscription.pk, status)
            return False
        raise PushError(f"push service answered {status}: {error}") from error
    except Exception as error:  # timeouts, refused connections, TLS: the job retries
        raise PushError(f"push service unreachable: {error}") from error
    PushSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=timezone.now())
    return True
