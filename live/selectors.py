"""Who receives what (the audience keys of a signed-in user's stream, live.events.audience_keys), and
what the command centre's wall map shows when it opens (live_board)."""

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q

from accounts.models import Grid, Role, User
from accounts.security import token_user
from accounts.selectors import grids_for_staff, user_agency_ids
from live.errors import NotLiveStaffError
from live.events import audience_keys
from tasks_app.models import CheckIn, Claim, ClaimStatus, VolunteerStatus
from tips.department import case_scope
from tips.models import OPEN_STATES, Tip, TipKind
from tips.selectors import due_at


def live_audience(*, user: User) -> list[str]:
    """The keys a user's stream follows: their own; as grid staff, their grids and every grid inside
    them; as agency staff, their agencies. A citizen follows only their own key, so never receives
    grid or agency events (cases, SOS, positions)."""
    grids = [grid.id for grid in grids_for_staff(user=user)] if user.has_role(Role.GRID_STAFF) else []
    agencies = user_agency_ids(user=user) if user.has_role(Role.AGENCY_STAFF) else []
    return audience_keys(users=[user.pk], grids=grids, agencies=agencies)


def live_audience_for_session(*, session_key: str) -> tuple[int, list[str]] | None:
    """(user id, audience keys) of a live session — an X-Session-Token or the browser's session
    cookie, the same kind of key (accounts.sessions) — or None when it signs nobody in."""
    user = token_user(session_key)
    if user is None:
        return None
    return user.pk, live_audience(user=user)


TRACK_HOURS = 2
ON_CALL_FRESH = timedelta(minutes=30)
# On-call volunteers are shown to about 100 m (3 decimals): where someone waits on call may be home.
ON_CALL_DECIMALS = 3


def live_board(*, user: User, now: datetime) -> dict[str, Any]:
    """What the command centre's wall map shows now, for grid and agency staff: volunteers on duty
    (checked in on a task of their agencies or inside their grids) with their last two hours of
    fixes, open SOS and cases of their queue with their SLA clocks, on-call volunteers inside their
    grids (to ~100 m), and the counters. Raises NotLiveStaffError for anyone else."""
    grid_staff, agency_staff = user.has_role(Role.GRID_STAFF), user.has_role(Role.AGENCY_STAFF)
    if not (grid_staff or agency_staff):
        raise NotLiveStaffError()
    grids = grids_for_staff(user=user) if grid_staff else []
    on_duty = _on_duty(grids=grids, agency_ids=user_agency_ids(user=user) if agency_staff else [], now=now)
    cases = _open_cases(user=user, now=now)
    sos = [case for case in cases if case["kind"] == TipKind.SOS]
    return {
        "now": now.isoformat(),
        "on_duty": on_duty,
        "sos": sos,
        "cases": [case for case in cases if case["kind"] != TipKind.SOS],
        "on_call": _on_call(grids=grids, now=now),
        "grids": [{"id": g.id, "name": g.name, "boundary": g.boundary} for g in grids if g.depth <= 1],
        "counters": {
            "on_duty": len(on_duty),
            "sos_open": len(sos),
            "cases_overdue": sum(1 for case in cases if case["overdue"]),
        },
    }


def _in_grids(grids: list[Grid], lat: float, lon: float) -> bool:
    return any(
        grid.min_lat <= lat <= grid.max_lat and grid.min_lon <= lon <= grid.max_lon and grid.contains(lat, lon)
        for grid in grids
    )


def _on_duty(*, grids: list[Grid], agency_ids: list[int], now: datetime) -> list[dict[str, Any]]:
    claims = Claim.objects.filter(status=ClaimStatus.CHECKED_IN, task__ends_at__gt=now - timedelta(hours=1))
    claims = claims.select_related("task", "user").order_by("id")
    mine = [c for c in claims if c.task.agency_id in agency_ids or _in_grids(grids, c.task.lat, c.task.lon)]
    since = now - timedelta(hours=TRACK_HOURS)
    tracks: dict[int, list[list[Any]]] = {claim.id: [] for claim in mine}
    fixes = CheckIn.objects.filter(claim_id__in=tracks, received_at__gte=since, accepted=True)
    for claim_id, lat, lon, at in fixes.order_by("received_at", "id").values_list(
        "claim_id", "lat", "lon", "received_at"
    ):
        tracks[claim_id].append([lat, lon, at.isoformat()])
    return [
        {
            "id": claim.id,
            "task_id": claim.task_id,
            "task": claim.task.title,
            "name": claim.user.shown_name,
            "track": tracks[claim.id],
        }
        for claim in mine
        if tracks[claim.id]
    ]


def _open_cases(*, user: User, now: datetime) -> list[dict[str, Any]]:
    tips = Tip.objects.filter(case_scope(user=user), status__in=OPEN_STATES).select_related("category")
    cases = []
    for tip in tips.order_by("priority", "created_at", "id")[:500]:
        clock = due_at(tip)
        cases.append(
            {
                "id": tip.id,
                "reference": tip.reference,
                "kind": tip.kind,
                "status": tip.status,
                "category": tip.category.name,
                "lat": tip.lat,
                "lon": tip.lon,
                "created_at": tip.created_at.isoformat(),
                "due_at": clock.isoformat() if clock else None,
                "overdue": clock is not None and clock < now,
            }
        )
    return cases


def _on_call(*, grids: list[Grid], now: datetime) -> list[dict[str, float]]:
    if not grids:
        return []
    box = Q()
    for grid in grids:
        box |= Q(lat__range=(grid.min_lat, grid.max_lat), lon__range=(grid.min_lon, grid.max_lon))
    rows = VolunteerStatus.objects.filter(box, on_call=True, position_at__gte=now - ON_CALL_FRESH)
    return [
        {"lat": round(lat, ON_CALL_DECIMALS), "lon": round(lon, ON_CALL_DECIMALS)}
        for lat, lon in rows.values_list("lat", "lon")[:2000]
        if _in_grids(grids, lat, lon)
    ]
