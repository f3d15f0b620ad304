"""Turns the other apps' domain events (core.events) into inbox messages, emails and badge awards.

Connected in EngagementConfig.ready(). Senders publish after commit, so a failure here must never
reach them: it is logged, and the next event (or `manage.py engagement_refresh`) catches up.
"""

import logging
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from engagement import services
from engagement.models import NotificationKind
from tips.models import TipStatus

logger = logging.getLogger(__name__)


def _claim_message(name: str, obj: Any, data: dict[str, Any]) -> tuple[str, str, str, str, str] | None:
    task = getattr(obj, "task", None)
    title = getattr(task, "title", "")
    link = f"/tasks/{obj.task_id}/" if getattr(obj, "task_id", None) else "/tasks/mine/"
    if name in ("claim.approved", "claim.paid"):
        points = data.get("points") or getattr(obj, "points_paid", 0) or getattr(task, "points", 0)
        # approved and paid are one piece of news: one cause, so a citizen hears it once
        return (
            NotificationKind.CLAIM_APPROVED,
            f"claim:{obj.pk}:approved",
            _("Task approved: +%(points)s FZB") % {"points": points},
            title,
            link,
        )
    if name == "claim.rejected":
        reason = data.get("reason") or getattr(obj, "reject_reason", "")
        return (
            NotificationKind.CLAIM_REJECTED,
            f"claim:{obj.pk}:rejected",
            _("Task not approved: %(title)s") % {"title": title},
            reason,
            link,
        )
    return None


def _tip_message(name: str, obj: Any, data: dict[str, Any]) -> tuple[str, str, str, str, str] | None:
    if name not in ("tip.status_changed", "tip.verified"):
        return None
    status = "verified" if name == "tip.verified" else (data.get("status") or getattr(obj, "status", ""))
    label = TipStatus(status).label if status in TipStatus.values else status
    reference = getattr(obj, "reference", obj.pk)
    body = ""
    if name == "tip.verified" and data.get("points"):
        body = _("Reward: %(points)s FZB") % {"points": data["points"]}
    return (
        NotificationKind.TIP_STATUS,
        f"tip:{obj.pk}:status:{status}",
        _("Your tip %(reference)s: %(status)s") % {"reference": reference, "status": label},
        body,
        f"/tips/{obj.pk}/",
    )


REDEMPTION_EVENTS = {
    "redemption.ready": NotificationKind.REDEMPTION_READY,
    "redemption.fulfilled": NotificationKind.REDEMPTION_FULFILLED,
    "redemption.expired": NotificationKind.REDEMPTION_EXPIRED,
}


def _redemption_message(name: str, obj: Any, data: dict[str, Any]) -> tuple[str, str, str, str, str] | None:
    kind = REDEMPTION_EVENTS.get(name)
    if kind is None:
        return None
    reward = getattr(getattr(obj, "reward", None), "name", "") or ""
    titles = {
        NotificationKind.REDEMPTION_READY: _("Your order is ready for pickup: %(reward)s"),
        NotificationKind.REDEMPTION_FULFILLED: _("Order handed over: %(reward)s"),
        NotificationKind.REDEMPTION_EXPIRED: _("Order expired, points refunded: %(reward)s"),
    }
    body = ""
    if kind == NotificationKind.REDEMPTION_READY and getattr(obj, "code", ""):
        body = _("Pickup code: %(code)s") % {"code": obj.code}
    return (
        kind,
        f"redemption:{obj.pk}:{name.split('.')[1]}",
        titles[kind] % {"reward": reward},
        body,
        "/rewards/orders/",
    )


def message_for(name: str, obj: Any, data: dict[str, Any]) -> tuple[str, str, str, str, str] | None:
    """(kind, cause, title, body, link) of the inbox message an event makes, or None."""
    if obj is None or getattr(obj, "pk", None) is None:
        return None
    family = name.split(".", 1)[0]
    handler = {"claim": _claim_message, "tip": _tip_message, "redemption": _redemption_message}.get(family)
    return handler(name, obj, data) if handler else None


def on_domain_event(sender: Any, *, name: str, user: Any = None, obj: Any = None, data: Any = None, **_: Any) -> None:
    """Inbox message (and email) for the event's user, then their badges, level and home community."""
    if not isinstance(user, User):
        return
    data = data or {}
    try:
        with transaction.atomic():
            with translation.override(user.preferred_language or None):
                message = message_for(name, obj, data)
                if message is not None:
                    kind, cause, title, body, link = message
                    services.notification_send(user=user, kind=kind, cause=cause, title=title, body=body, link=link)
            services.engagement_refresh(user=user)
    except Exception:
        logger.exception("engagement: handling %s for user %s failed", name, getattr(user, "pk", None))
