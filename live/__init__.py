"""Live updates: `live.publish(...)` sends an event to the signed-in users it concerns, who receive
it on GET /api/v1/live (Server-Sent Events). See live.events.publish for the audiences."""

from typing import Any


def publish(event: str, *, data: dict[str, Any], users: Any = (), grids: Any = (), agencies: Any = ()) -> None:
    """`live.events.publish` (imported on first use, so `import live` needs no app registry)."""
    from live.events import publish as _publish

    _publish(event, data=data, users=users, grids=grids, agencies=agencies)
