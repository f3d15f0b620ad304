"""Turns the other apps' domain events (core.events) into inbox messages, emails and badge awards.

Connected in EngagementConfig.ready(). Senders publish after commit, so a failure here must never
reach them: it is logged, and the next event (or `manage.py engagement_refresh`) catches up.
"""

import logging
from contextlib import nullcontext
from typing import Any

from django.db import transaction
from django.utils import translation

from accounts.models import User
from engagement import services
from engagement.models import STAFF_ALERT_KINDS, NotificationKind

logger = logging.getLogger(__name__)


# (kind, cause, message code, params, link): engagement.messages renders the code in the reader's
# language whenever the message is shown.
Message = tuple[str, str, str, dict[str, Any], str]


def _claim_message(name: str, obj: Any, data: dict[str, Any]) -> Message | None:
    task = getattr(obj, "task", None)
    title = getattr(task, "title", "")
    link = f"/tasks/{obj.task_id}/" if getattr(obj, "task_id", None) else "/tasks/mine/"
    if name in ("claim.approved", "claim.paid"):
        points = data.get("points") or getattr(obj, "points_paid", 0) or getattr(task, "points", 0)
        # approved and paid are one piece of news: one cause, so a citizen hears it once
        kind, params = NotificationKind.CLAIM_APPROVED, {"points": points, "title": title}
        return kind, f"claim:{obj.pk}:approved", "claim_approved", params, link
    if name == "claim.no_show":
        return NotificationKind.CLAIM_NO_SHOW, f"claim:{obj.pk}:no_show", "claim_no_show", {"title": title}, link
    if name == "claim.rejected":
        params = {"title": title, "reason": data.get("reason") or getattr(obj, "reject_reason", "")}
        return NotificationKind.CLAIM_REJECTED, f"claim:{obj.pk}:rejected", "claim_rejected", params, link
    return None


def _task_message(name: str, obj: Any, data: dict[str, Any]) -> Message | None:
    """The hour-before reminder of a claim (obj is the Claim)."""
    if name != "task.reminder":
        return None
    task = obj.task
    params = {"title": task.title, "address": task.address, "starts_at": task.starts_at.isoformat()}
    link = f"/tasks/{task.pk}/onsite/"
    return NotificationKind.TASK_REMINDER, f"claim:{obj.pk}:reminder", "task_reminder", params, link


def _dispatch_message(name: str, obj: Any, data: dict[str, Any]) -> Message | None:
    """An urgent task offered to an on-call volunteer (obj is the DispatchOffer); answered on the on-call page."""
    if name != "dispatch.offered":
        return None
    task = obj.task
    distance_m = data.get("distance_m", getattr(obj, "distance_m", 0)) or 0
    params = {"title": task.title, "km": round(distance_m / 1000, 1), "address": task.address}
    return NotificationKind.DISPATCH_OFFER, f"offer:{obj.pk}", "dispatch_offer", params, "/tasks/on-call/"


def _case_message(name: str, obj: Any, data: dict[str, Any], user: User) -> Message | None:
    """Staff alerts about a tip (obj): an SOS in their grid, a case escalated to them.

    Built from the case alone, never from its reporter: an anonymous reporter stays anonymous.
    One per staff member and cause, so the user is part of the cause.
    """
    category = getattr(obj, "category", None)
    params: dict[str, Any] = {
        "reference": getattr(obj, "reference", obj.pk),
        "category": {"zh": getattr(category, "name_zh", ""), "en": getattr(category, "name_en", "")},
        "grid": getattr(getattr(obj, "grid", None), "name", ""),
    }
    link = f"/staff/cases/{obj.pk}/"
    if name == "case.sos":
        params |= {"lat": obj.lat, "lon": obj.lon, "description": getattr(obj, "description", "")}
        return NotificationKind.CASE_SOS, f"case:{obj.pk}:sos:{user.pk}", "case_sos", params, link
    if name == "case.escalated":
        stage = data.get("stage") or getattr(obj, "escalation_stage", "")
        cause = f"case:{obj.pk}:escalated:{stage}:{user.pk}"
        return NotificationKind.CASE_ESCALATED, cause, "case_escalated", params | {"stage": stage}, link
    return None


def _tip_message(name: str, obj: Any, data: dict[str, Any]) -> Message | None:
    if name not in ("tip.status_changed", "tip.verified"):
        return None
    reference = getattr(obj, "reference", obj.pk)
    link = f"/tips/{obj.pk}/"
    if data.get("primary_reference"):
        # the tip `obj` was merged into another one (primary) whose status changed
        status = data.get("status", "")
        cause = f"tip:{obj.pk}:primary:{data.get('primary_id', '')}:{status}"
        params = {"reference": reference, "status": status, "primary": data["primary_reference"]}
        return NotificationKind.TIP_STATUS, cause, "tip_merged", params, link
    status = "verified" if name == "tip.verified" else (data.get("status") or getattr(obj, "status", ""))
    # The reward is paid in the transaction that verifies, so whichever of "tip.status_changed"
    # (verified) and "tip.verified" comes first, the tip already knows its reward.
    points = data.get("points") if name == "tip.verified" else None
    if points is None and status == "verified" and getattr(obj, "reward_paid_at", None):
        points = getattr(obj, "reward_points", 0)
    cause = f"tip:{obj.pk}:status:{status}"
    if name == "tip.status_changed" and getattr(obj, "reward_awaiting_approval", False):
        # Four eyes: verified now, the reward paid once a second staff member approves it. That
        # payment's "tip.verified" keeps the usual cause, so the reporter hears of the reward too.
        cause += ":reward_pending"
    params = {"reference": reference, "status": status, "points": points or 0}
    return NotificationKind.TIP_STATUS, cause, "tip_status", params, link


REDEMPTION_EVENTS = {
    "redemption.ready": NotificationKind.REDEMPTION_READY,
    "redemption.fulfilled": NotificationKind.REDEMPTION_FULFILLED,
    "redemption.expired": NotificationKind.REDEMPTION_EXPIRED,
}


def _redemption_message(name: str, obj: Any, data: dict[str, Any]) -> Message | None:
    kind = REDEMPTION_EVENTS.get(name)
    if kind is None:
        return None
    reward = getattr(obj, "reward", None)
    reward_name = getattr(reward, "name", "") or ""
    params: dict[str, Any] = {"reward": {"zh": reward_name, "en": getattr(reward, "name_en", "") or reward_name}}
    if kind == NotificationKind.REDEMPTION_READY:
        params["code"] = getattr(obj, "code", "") or ""
    return kind, f"redemption:{obj.pk}:{name.split('.')[1]}", str(kind), params, "/rewards/orders/"


def _rollcall_message(name: str, obj: Any, data: dict[str, Any]) -> Message | None:
    """A guard on duty asked for a roll call (obj is the safehouses RollCall): a photo and a position
    before it is due, answered on the duty page."""
    if name != "rollcall.asked":
        return None
    params = {"place": obj.shift.safe_house.name, "due_at": obj.due_at.isoformat() if obj.due_at else ""}
    link = f"/safe-houses/duty/#roll-call-{obj.pk}"
    return NotificationKind.ROLL_CALL, f"rollcall:{obj.pk}:asked", "roll_call", params, link


def _request_message(name: str, obj: Any, data: dict[str, Any], user: User) -> Message | None:
    """A community request (obj: community.models.Request): who has it and by when, its answer, its
    escalation. Names the group and the clock only: never the poster's phone or email."""
    params: dict[str, Any] = {"group": obj.group.name, "due_at": obj.respond_by.isoformat()}
    link = f"/groups/{obj.group_id}/#post-{obj.post_id}"
    if name == "request.opened" and data.get("audience", "") == "poster":
        # no assignee: the duty desk, named in the reader's language
        params["who"] = obj.assignee.shown_name if obj.assignee is not None else ""
        return NotificationKind.GROUP_REQUEST, f"request:{obj.pk}:received", "request_received", params, link
    if name == "request.opened":
        params["text"] = obj.post.text[:200]
        cause = f"request:{obj.pk}:assigned:{user.pk}"
        return NotificationKind.GROUP_REQUEST, cause, "request_assigned", params, link
    if name == "request.responded":
        return NotificationKind.GROUP_REQUEST, f"request:{obj.pk}:responded", "request_responded", params, link
    if name == "request.resolved":
        params["note"] = obj.resolution_note
        return NotificationKind.GROUP_REQUEST, f"request:{obj.pk}:resolved", "request_resolved", params, link
    if name == "request.escalated":
        params["text"] = obj.post.text[:200]
        cause = f"request:{obj.pk}:escalated:{data.get('stage', '')}:{user.pk}"
        return NotificationKind.CASE_ESCALATED, cause, "request_escalated", params, "/staff/groups/requests/"
    return None


def message_for(name: str, obj: Any, data: dict[str, Any], user: Any = None) -> Message | None:
    """(kind, cause, message code, params, link) of the inbox message an event makes, or None."""
    if obj is None or getattr(obj, "pk", None) is None:
        return None
    family = name.split(".", 1)[0]
    if family == "case":
        return _case_message(name, obj, data, user) if user is not None else None
    if family == "request":
        return _request_message(name, obj, data, user) if user is not None else None
    handler = {
        "claim": _claim_message,
        "task": _task_message,
        "dispatch": _dispatch_message,
        "tip": _tip_message,
        "redemption": _redemption_message,
        "rollcall": _rollcall_message,
    }.get(family)
    return handler(name, obj, data) if handler else None


# Events that change nothing a citizen's badges, level or home community are computed from
# (earnings, paid claims, verified tips): points spent in the shop never count.
NO_REFRESH_FAMILIES = frozenset({"case", "dispatch", "task", "redemption", "rollcall", "request"})


def on_domain_event(sender: Any, *, name: str, user: Any = None, obj: Any = None, data: Any = None, **_: Any) -> None:
    """Inbox message (and email) for the event's user, then their badges, level and home community."""
    if not isinstance(user, User) or not user.is_active:
        return  # nobody reads a deactivated account's inbox (nor the door-plate guests' shared one)
    data = data or {}
    refresh = name.split(".", 1)[0] not in NO_REFRESH_FAMILIES
    try:
        # The message alone is one statement: after a commit (as events are sent) it needs no
        # transaction of its own; inside someone's transaction a savepoint still shields it.
        with transaction.atomic() if refresh or transaction.get_connection().in_atomic_block else nullcontext():
            with translation.override(user.preferred_language or None):
                message = message_for(name, obj, data, user)
                if message is not None:
                    kind, cause, code, params, link = message
                    services.notification_send(
                        user=user,
                        kind=kind,
                        cause=cause,
                        message=code,
                        params=params,
                        link=link,
                        always_email=kind in STAFF_ALERT_KINDS,
                    )
            if refresh:
                services.engagement_refresh(user=user)
    except Exception:
        logger.exception("engagement: handling %s for user %s failed", name, getattr(user, "pk", None))
