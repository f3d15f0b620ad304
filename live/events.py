"""Publishing live events: what other apps call (as `live.publish`).

An event is a small JSON object `{type, id, at, ...}` for an audience of users, grids and agencies.
It is sent after the transaction that causes it commits, to the event log (live.log: a Redis stream,
or memory in one process without Redis), from which every ASGI process streams it to the connected
users of that audience (live.hub, GET /api/v1/live). The log keeps events FUBI_LIVE_RETENTION_SECONDS
(300) so a dropped connection resumes from its `Last-Event-ID`.

A live event is a copy, never the record: the inbox message, the case, the check-in are in
PostgreSQL already. With Redis down or slow the copy is dropped (a warning is logged) and the
request goes on; a page that (re)connects reads the objects again through the API.
"""

import json
import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# The event names of docs/api.md, live: what each one is for and who publishes it.
EVENTS = frozenset({"inbox", "offer", "case", "sos", "position", "broadcast", "request"})
# Positions and case traffic are for staff only: never delivered through a `users` audience.
STAFF_ONLY = frozenset({"case", "sos", "position"})


def audience_keys(*, users: Iterable[int] = (), grids: Iterable[int] = (), agencies: Iterable[int] = ()) -> list[str]:
    """The log's audience keys: "u:<user id>", "g:<grid id>", "a:<agency id>" (sorted, no repeats)."""
    keys = {f"u:{int(u)}" for u in users} | {f"g:{int(g)}" for g in grids} | {f"a:{int(a)}" for a in agencies}
    return sorted(keys)


def _ids(values: Iterable[Any]) -> list[int]:
    """Ids from ids or model instances (anything with a pk)."""
    return [int(getattr(value, "pk", value)) for value in values if value is not None]


def publish(
    event: str,
    *,
    data: dict[str, Any],
    users: Iterable[Any] = (),
    grids: Iterable[Any] = (),
    agencies: Iterable[Any] = (),
) -> None:
    """Send a live event to its audience after the current transaction commits (at once outside one).

    - `event`: one of EVENTS (docs/api.md, live): inbox, offer, case, sos, position, broadcast, request.
    - `data`: JSON-serialisable; must hold `id` (the object's id: the tip's for case and sos, the
      notification's for inbox, the offer's for offer...). `type` defaults to `event` (give a finer
      one, e.g. "case.submitted"); `at` defaults to now (ISO 8601). Put ids and what the audience
      may see, never more: pages read the object through the permission-checked API.
    - Audiences (ids or instances; an event goes to the union, once per connection):
      `users` — those signed-in users (their own inbox, offers, requests);
      `grids` — the staff of those grids and of every grid above them (a grid's staff see the grids
      inside theirs): pass the grid the object is in, not its ancestors;
      `agencies` — the staff of those agencies.
      `case`, `sos` and `position` are staff matters: their `users` audience is refused, and only
      users with a staff role receive grid and agency events, so a citizen never sees a position.

    Never raises for a broken or slow Redis and never waits on it (a background thread sends; a
    full queue or a failed send drops the live copy with a warning). Raises ValueError at once, with
    nothing sent, for a programming error: an unknown event, `data` without `id`, or a `users`
    audience for a staff-only event (values JSON does not know, like datetimes, are sent as text).
    Safe to call twice: clients then see two events.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown live event {event!r}; one of {sorted(EVENTS)}")
    if "id" not in data:
        raise ValueError("live event data must hold the object's id")
    user_ids = _ids(users)
    if user_ids and event in STAFF_ONLY:
        raise ValueError(f"{event!r} events are for grid and agency staff only, not a users audience")
    keys = audience_keys(users=user_ids, grids=_ids(grids), agencies=_ids(agencies))
    if not keys:
        return
    body = {"type": event, **data}
    body.setdefault("at", timezone.now().isoformat())
    record = json.dumps({"event": event, "aud": keys, "data": body}, separators=(",", ":"), default=str)
    transaction.on_commit(lambda: _send(record), robust=True)


def _send(record: str) -> None:
    from live.log import event_log

    try:
        event_log().add(record)
    except Exception:  # a live copy must never fail its caller's request
        logger.exception("live: an event could not be handed to the log")
