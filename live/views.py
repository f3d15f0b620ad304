"""The command centre's wall map, /staff/live/ (grid-centre and agency staff, made for 1920×1080)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from live.errors import NotLiveStaffError
from live.selectors import live_board
from tips.models import TipStatus


@login_required
def staff_live_page(request: HttpRequest) -> HttpResponse:
    """The wall map with what is true now; the page then follows GET /api/v1/live."""
    try:
        board = live_board(user=request.user, now=timezone.now())
    except NotLiveStaffError:
        return render(request, "live/forbidden.html", status=403)
    statuses = {value: str(label) for value, label in TipStatus.choices}
    return render(request, "live/wall.html", {"board": board, "statuses": statuses})
