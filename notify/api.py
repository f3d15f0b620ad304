"""Notification endpoints (docs/api.md, live): push subscriptions of my phones, and my choices."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from core.ratelimit import rate_limit_hit
from notify import services
from notify.models import NotifyChoice, PushSubscription
from notify.schemas import NotifyChoiceIn, NotifyChoiceOut, PushKeyOut, PushSubscriptionIn, PushSubscriptionOut
from notify.vapid import vapid_public_key

router = Router(tags=["notifications"])


@router.get("/push/key", response=PushKeyOut, auth=None)
def push_key_api(request: HttpRequest) -> dict:
    """The server's VAPID public key, for PushManager.subscribe's applicationServerKey."""
    return {"public_key": vapid_public_key()}


@router.post("/push/subscriptions", response={201: PushSubscriptionOut})
def push_subscription_create_api(request: HttpRequest, payload: PushSubscriptionIn) -> Status:
    """Keep this browser's push subscription for me (422 push_endpoint_refused for a URL that is
    not a known push service, 422 invalid for bad keys); the same endpoint again updates it."""
    rate_limit_hit(
        scope="push_subscriptions", who=f"user:{request.auth.pk}", message=_("Too many subscriptions in a short time.")
    )
    subscription = services.push_subscription_create(
        user=request.auth, endpoint=payload.endpoint, p256dh=payload.keys.p256dh, auth=payload.keys.auth
    )
    return Status(201, {"id": subscription.pk})


@router.delete("/push/subscriptions/{subscription_id}", response={204: None})
def push_subscription_delete_api(request: HttpRequest, subscription_id: int) -> Status:
    """Forget one of my subscriptions (404 for anyone else's)."""
    subscription = services.push_subscription_get_for_user(user=request.auth, subscription_id=subscription_id)
    services.push_subscription_delete(subscription=subscription)
    return Status(204, None)


def _choice_out(choice: NotifyChoice) -> dict:
    return {
        "push": choice.push,
        "sms_alarms": choice.sms_alarms,
        "quiet_start": choice.quiet_start,
        "quiet_end": choice.quiet_end,
        "subscriptions": PushSubscription.objects.filter(user_id=choice.user_id).count(),
    }


@router.get("/notify/choices", response=NotifyChoiceOut)
def notify_choice_api(request: HttpRequest) -> dict:
    """How my notifications reach me beyond the inbox: push, SMS for alarms, quiet hours."""
    return _choice_out(services.notify_choice_for(user=request.auth))


@router.patch("/notify/choices", response=NotifyChoiceOut)
def notify_choice_update_api(request: HttpRequest, payload: NotifyChoiceIn) -> dict:
    """Change some of push, sms_alarms, quiet_start, quiet_end (both null: no quiet hours)."""
    changes = payload.dict(exclude_unset=True)
    for switch in ("push", "sms_alarms"):  # a switch sent as null is left as it is
        if changes.get(switch, False) is None:
            del changes[switch]
    return _choice_out(services.notify_choice_update(user=request.auth, **changes))
