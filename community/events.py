"""Who hears of what in the community app: domain events (core.events; engagement writes the inbox
messages) after commit, and live events once the live channel exists.

Request events carry the request; the inbox text names the group and the clock, never the poster's
phone or email.
"""

from django.db import transaction

from community.models import MemberRole, Membership, Request
from core.events import publish


def request_event_on_commit(name: str, request: Request, *, users: list | None = None, **data: object) -> None:
    """After commit: "request.opened" to its assignee and its poster (who has it, by when),
    "request.responded"/"request.resolved" to its poster, "request.escalated" to `users`."""
    transaction.on_commit(lambda: _request_publish(name, request, users, data))


def _request_publish(name: str, request: Request, users: list | None, data: dict) -> None:
    audience: list[tuple[object, str]] = []
    if name == "request.opened":
        if request.assignee is not None:
            audience.append((request.assignee, "assignee"))
        audience.append((request.poster, "poster"))
    elif name in ("request.responded", "request.resolved"):
        audience.append((request.poster, "poster"))
    else:
        audience += [(user, "escalation") for user in users or []]
    for user, role in audience:
        publish(name, user=user, obj=request, audience=role, **data)
    _live_request(name, request, users)


def _live_request(name: str, request: Request, users: list | None) -> None:
    """A `request` live event to its poster, its assignee and officers, and its station's staff:
    ids and the new status only (pages read the rest through the API)."""
    import live

    officers = Membership.objects.filter(group_id=request.group_id, role=MemberRole.OFFICER, removed_at__isnull=True)
    audience = {request.poster_id, request.assignee_id, *officers.values_list("user_id", flat=True)}
    audience |= {getattr(user, "pk", user) for user in users or []}
    data = {
        "id": request.id,
        "type": name,
        "post_id": request.post_id,
        "group_id": request.group_id,
        "status": request.status,
    }
    stations = [request.group.station_id] if request.group.station_id else []
    live.publish("request", data=data, users=[u for u in audience if u], agencies=stations)
