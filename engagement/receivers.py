"""Turns the other apps' domain events (core.events) into inbox messages, emails and badge awards.

Connected in EngagementConfig.ready(). Senders publish after commit, so a failure here must never
reach them: it is logged, and the next event (or `manage.py engagement_refresh`) catches up.
"""

import logging
from contextlib import nullcontext
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from engagement import services
from engagement.models import STAFF_ALERT_KINDS, NotificationKind
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
    if name == "claim.no_show":
        return (
            NotificationKind.CLAIM_NO_SHOW,
            f"claim:{obj.pk}:no_show",
            _("Missed: %(title)s") % {"title": title},
            _("You did not check in, so your place went unused. Please cancel early when you cannot come."),
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


def _task_message(name: str, obj: Any, data: dict[str, Any]) -> tuple[str, str, str, str, str] | None:
    """The hour-before reminder of a claim (obj is the Claim)."""
    if name != "task.reminder":
        return None
    task = obj.task
    return (
        NotificationKind.TASK_REMINDER,
        f"claim:{obj.pk}:reminder",
        _("Reminder: %(title)s starts at %(time)s")
        % {"title": task.title, "time": timezone.localtime(task.starts_at).strftime("%H:%M")},
        _("Meet at %(address)s. Check in on site with your phone.") % {"address": task.address},
        f"/tasks/{task.pk}/onsite/",
    )


def _dispatch_message(name: str, obj: Any, data: dict[str, Any]) -> tuple[str, str, str, str, str] | None:
    """An urgent task offered to an on-call volunteer (obj is the DispatchOffer); answered on the on-call page."""
    if name != "dispatch.offered":
        return None
    task = obj.task
    distance_m = data.get("distance_m", getattr(obj, "distance_m", 0)) or 0
    return (
        NotificationKind.DISPATCH_OFFER,
        f"offer:{obj.pk}",
        _("Urgent: %(title)s, %(km).1f km from you") % {"title": task.title, "km": distance_m / 1000},
        task.address,
        "/tasks/on-call/",
    )


def _case_message(name: str, obj: Any, data: dict[str, Any], user: User) -> tuple[str, str, str, str, str] | None:
    """Staff alerts about a tip (obj): an SOS in their grid, a case escalated to them.

    Built from the case alone, never from its reporter: an anonymous reporter stays anonymous.
    One per staff member and cause, so the user is part of the cause.
    """
    reference = getattr(obj, "reference", obj.pk)
    category = getattr(getattr(obj, "category", None), "name", "")
    grid = getattr(getattr(obj, "grid", None), "name", "")
    link = f"/staff/cases/{obj.pk}/"
    if name == "case.sos":
        body = _("At %(lat).5f, %(lon).5f.") % {"lat": obj.lat, "lon": obj.lon}
        if getattr(obj, "description", ""):
            body = f"{body}\n{obj.description}"
        return (
            NotificationKind.CASE_SOS,
            f"case:{obj.pk}:sos:{user.pk}",
            _("SOS %(reference)s: %(category)s in %(grid)s")
            % {"reference": reference, "category": category, "grid": grid},
            body,
            link,
        )
    if name == "case.escalated":
        stage = data.get("stage") or getattr(obj, "escalation_stage", "")
        missed = {"accept": _("accept deadline missed"), "verify": _("verify deadline missed")}.get(stage, stage)
        return (
            NotificationKind.CASE_ESCALATED,
            f"case:{obj.pk}:escalated:{stage}:{user.pk}",
            _("Case %(reference)s escalated to you: %(missed)s") % {"reference": reference, "missed": missed},
            f"{category} · {grid}".strip(" ·"),
            link,
        )
    return None


def _tip_message(name: str, obj: Any, data: dict[str, Any]) -> tuple[str, str, str, str, str] | None:
    if name not in ("tip.status_changed", "tip.verified"):
        return None
    if data.get("primary_reference"):
        return _merged_tip_message(obj, data)
    status = "verified" if name == "tip.verified" else (data.get("status") or getattr(obj, "status", ""))
    label = TipStatus(status).label if status in TipStatus.values else status
    reference = getattr(obj, "reference", obj.pk)
    # The reward is paid in the transaction that verifies, so whichever of "tip.status_changed"
    # (verified) and "tip.verified" comes first, the tip already knows its reward.
    points = data.get("points") if name == "tip.verified" else None
    if points is None and status == "verified" and getattr(obj, "reward_paid_at", None):
        points = getattr(obj, "reward_points", 0)
    body = _("Reward: %(points)s FZB") % {"points": points} if points else ""
    return (
        NotificationKind.TIP_STATUS,
        f"tip:{obj.pk}:status:{status}",
        _("Your tip %(reference)s: %(status)s") % {"reference": reference, "status": label},
        body,
        f"/tips/{obj.pk}/",
    )


def _merged_tip_message(obj: Any, data: dict[str, Any]) -> tuple[str, str, str, str, str]:
    """The tip `obj` was merged into another one (primary) whose status changed."""
    status = data.get("status", "")
    label = TipStatus(status).label if status in TipStatus.values else status
    return (
        NotificationKind.TIP_STATUS,
        f"tip:{obj.pk}:primary:{data.get('primary_id', '')}:{status}",
        _("The case your tip %(reference)s was merged into: %(status)s")
        % {"reference": getattr(obj, "reference", obj.pk), "status": label},
        _("Handled together as %(primary)s.") % {"primary": data["primary_reference"]},
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


def message_for(name: str, obj: Any, data: dict[str, Any], user: Any = None) -> tuple[str, str, str, str, str] | None:
    """(kind, cause, title, body, link) of the inbox message an event makes, or None."""
    if obj is None or getattr(obj, "pk", None) is None:
        return None
    family = name.split(".", 1)[0]
    if family == "case":
        return _case_message(name, obj, data, user) if user is not None else None
    handler = {
        "claim": _claim_message,
        "task": _task_message,
        "dispatch": _dispatch_message,
        "tip": _tip_message,
        "redemption": _redemption_message,
    }.get(family)
    return handler(name, obj, data) if handler else None


# Events that change nothing a citizen's badges, level or home community are computed from
# (earnings, paid claims, verified tips): points spent in the shop never count.
NO_REFRESH_FAMILIES = frozenset({"case", "dispatch", "task", "redemption"})


def on_domain_event(sender: Any, *, name: str, user: Any = None, obj: Any = None, data: Any = None, **_: Any) -> None:
    """Inbox message (and email) for the event's user, then their badges, level and home community."""
    if not isinstance(user, User):
        return
    data = data or {}
    refresh = name.split(".", 1)[0] not in NO_REFRESH_FAMILIES
    try:
        # The message alone is one statement: after a commit (as events are sent) it needs no
        # transaction of its own; inside someone's transaction a savepoint still shields it.
        with transaction.atomic() if refresh or transaction.get_connection().in_atomic_block else nullcontext():
            with translation.override(user.preferred_language or None):
                message = message_for(name, obj, data, user)
                if message is not None:
                    kind, cause, title, body, link = message
                    services.notification_send(
                        user=user,
                        kind=kind,
                        cause=cause,
                        title=title,
                        body=body,
                        link=link,
                        always_email=kind in STAFF_ALERT_KINDS,
                    )
            if refresh:
                services.engagement_refresh(user=user)
    except Exception:
        logger.exception("engagement: handling %s for user %s failed", name, getattr(user, "pk", None))
