"""Live's JSON: the wall map's state (the stream itself, GET /live, is live.stream, outside ninja)."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from live.selectors import live_board

router = Router(tags=["live"])


@router.get("/live/board")
def live_board_api(request: HttpRequest) -> dict[str, Any]:
    """The command centre's wall map now: on-duty volunteers with two hours of track, open SOS and
    cases with their SLA clocks, on-call volunteers (to ~100 m), counters. Grid and agency staff."""
    return live_board(user=request.auth, now=timezone.now())
