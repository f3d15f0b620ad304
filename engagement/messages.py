"""Inbox messages as a code and its parameters, rendered in the reader's language when shown.

A message is stored as `Notification.message` (a code below) and `Notification.params` (plain JSON:
names, numbers, state codes, moments as ISO text), so the inbox and the API show it in the language
of whoever reads it, not of whoever wrote it. The title and body rendered at sending, in the
recipient's language, are stored too: the email uses them, and a message without a code (written
before codes existed) is shown as stored.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

Params = dict[str, Any]
Renderer = Callable[[Params], tuple[str, str]]

RENDERERS: dict[str, Renderer] = {}


def _renders(code: str) -> Callable[[Renderer], Renderer]:
    def register(function: Renderer) -> Renderer:
        RENDERERS[code] = function
        return function

    return register


def _city_time(iso: str) -> str:
    """HH:MM on the city's clock of a moment stored as ISO text ('' stays '')."""
    return timezone.localtime(datetime.fromisoformat(iso)).strftime("%H:%M") if iso else ""


def _named(names: Any) -> str:
    """A name stored in both languages ({"zh": ..., "en": ...}) in the reader's; plain text as is."""
    if isinstance(names, dict):
        return names.get("zh" if (get_language() or "").startswith("zh") else "en") or ""
    return str(names or "")


def _tip_status(code: str) -> str:
    from tips.models import TipStatus  # engagement reads the other apps; nothing imports it

    return str(TipStatus(code).label) if code in TipStatus.values else code


@_renders("claim_approved")
def _claim_approved(p: Params) -> tuple[str, str]:
    return _("Task approved: +%(points)s FZB") % {"points": p["points"]}, p.get("title", "")


@_renders("claim_no_show")
def _claim_no_show(p: Params) -> tuple[str, str]:
    return (
        _("Missed: %(title)s") % {"title": p["title"]},
        _("You did not check in, so your place went unused. Please cancel early when you cannot come."),
    )


@_renders("claim_rejected")
def _claim_rejected(p: Params) -> tuple[str, str]:
    return _("Task not approved: %(title)s") % {"title": p["title"]}, p.get("reason", "")


@_renders("task_reminder")
def _task_reminder(p: Params) -> tuple[str, str]:
    return (
        _("Reminder: %(title)s starts at %(time)s") % {"title": p["title"], "time": _city_time(p["starts_at"])},
        _("Meet at %(address)s. Check in on site with your phone.") % {"address": p["address"]},
    )


@_renders("dispatch_offer")
def _dispatch_offer(p: Params) -> tuple[str, str]:
    return _("Urgent: %(title)s, %(km).1f km from you") % {"title": p["title"], "km": p["km"]}, p.get("address", "")


@_renders("case_sos")
def _case_sos(p: Params) -> tuple[str, str]:
    body = _("At %(lat).5f, %(lon).5f.") % {"lat": p["lat"], "lon": p["lon"]}
    if p.get("description"):
        body = f"{body}\n{p['description']}"
    names = {"reference": p["reference"], "category": _named(p["category"]), "grid": p["grid"]}
    return _("SOS %(reference)s: %(category)s in %(grid)s") % names, body


@_renders("case_escalated")
def _case_escalated(p: Params) -> tuple[str, str]:
    stage = p.get("stage", "")
    missed = {
        "accept": _("accept deadline missed"),
        "verify": _("verify deadline missed"),
        "respond": _("the department did not report back in time"),
    }.get(stage, _("a deadline was missed"))
    title = _("Case %(reference)s escalated to you: %(missed)s") % {"reference": p["reference"], "missed": missed}
    return title, f"{_named(p['category'])} · {p.get('grid', '')}".strip(" ·")


@_renders("tip_status")
def _tip_status_message(p: Params) -> tuple[str, str]:
    body = _("Reward: %(points)s FZB") % {"points": p["points"]} if p.get("points") else ""
    status = _tip_status(p["status"])
    return _("Your tip %(reference)s: %(status)s") % {"reference": p["reference"], "status": status}, body


@_renders("tip_merged")
def _tip_merged(p: Params) -> tuple[str, str]:
    return (
        _("The case your tip %(reference)s was merged into: %(status)s")
        % {"reference": p["reference"], "status": _tip_status(p["status"])},
        _("Handled together as %(primary)s.") % {"primary": p["primary"]},
    )


@_renders("redemption_ready")
def _redemption_ready(p: Params) -> tuple[str, str]:
    body = _("Pickup code: %(code)s") % {"code": p["code"]} if p.get("code") else ""
    return _("Your order is ready for pickup: %(reward)s") % {"reward": _named(p["reward"])}, body


@_renders("redemption_fulfilled")
def _redemption_fulfilled(p: Params) -> tuple[str, str]:
    return _("Order handed over: %(reward)s") % {"reward": _named(p["reward"])}, ""


@_renders("redemption_expired")
def _redemption_expired(p: Params) -> tuple[str, str]:
    return _("Order expired, points refunded: %(reward)s") % {"reward": _named(p["reward"])}, ""


@_renders("roll_call")
def _roll_call(p: Params) -> tuple[str, str]:
    due = _city_time(p.get("due_at", ""))
    return (
        _("Roll call at %(place)s: check in by %(time)s") % {"place": p["place"], "time": due},
        _("Take a photo at your post and send it with your position before %(time)s.") % {"time": due},
    )


@_renders("badge")
def _badge(p: Params) -> tuple[str, str]:
    from engagement.rules import BADGES_BY_CODE

    badge = BADGES_BY_CODE[p["badge"]]
    return _("Badge earned: %(name)s") % {"name": badge.name}, f"{badge.icon} {badge.description}"


@_renders("level_up")
def _level_up(p: Params) -> tuple[str, str]:
    from engagement.rules import LEVELS

    level = LEVELS[p["number"] - 1]
    return _("Level %(number)s reached: %(name)s") % {"number": level.number, "name": level.name}, ""


@_renders("request_received")
def _request_received(p: Params) -> tuple[str, str]:
    who = p.get("who") or _("the duty desk")
    return _("%(who)s has your request; expect an answer by %(time)s") % {
        "who": who,
        "time": _city_time(p["due_at"]),
    }, p["group"]


@_renders("request_assigned")
def _request_assigned(p: Params) -> tuple[str, str]:
    title = _("New request in %(group)s: answer by %(time)s") % {"group": p["group"], "time": _city_time(p["due_at"])}
    return title, p.get("text", "")


@_renders("request_responded")
def _request_responded(p: Params) -> tuple[str, str]:
    return _("Your request in %(group)s has an answer") % {"group": p["group"]}, ""


@_renders("request_resolved")
def _request_resolved(p: Params) -> tuple[str, str]:
    return _("Your request in %(group)s is resolved: please rate it") % {"group": p["group"]}, p.get("note", "")


@_renders("request_escalated")
def _request_escalated(p: Params) -> tuple[str, str]:
    return _("Unanswered request in %(group)s escalated to you") % {"group": p["group"]}, p.get("text", "")


def message_render(code: str, params: Params) -> tuple[str, str] | None:
    """(title, body) of a message in the active language, or None for an unknown code or params
    it cannot read (the caller then shows what was stored)."""
    renderer = RENDERERS.get(code)
    if renderer is None:
        return None
    try:
        title, body = renderer(params)
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    return str(title), str(body)
