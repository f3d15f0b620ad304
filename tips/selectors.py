"""Reads of the tips app: my tips, the staff's queue (only their grids), duplicate candidates,
timelines."""

import math
from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Grid, Role, User
from accounts.selectors import grids_for_staff
from core.geo import haversine_m
from tips.errors import CaseNotFoundError, NotGridStaffError, TipNotFoundError
from tips.models import (
    ACTIVE_STATES,
    CaseAction,
    CaseEvent,
    Tip,
    TipCategory,
    TipPhoto,
    TipStatus,
)

DUPLICATE_RADIUS_M = 200
DUPLICATE_WINDOW = timedelta(hours=2)


def categories_list() -> QuerySet[TipCategory]:
    """Active categories in display order."""
    return TipCategory.objects.filter(is_active=True)


def staff_grid_ids(*, user: User) -> list[int]:
    """The grids whose cases this user handles; raises NotGridStaffError for everyone else."""
    if user.is_superuser or user.has_role(Role.ADMIN):
        return list(Grid.objects.values_list("id", flat=True))
    if not user.has_role(Role.GRID_STAFF):
        raise NotGridStaffError()
    return [grid.id for grid in grids_for_staff(user=user)]


def overdue_filter(now) -> Q:
    """Cases past an SLA clock: not accepted in time, or not verified in time."""
    return Q(status=TipStatus.SUBMITTED, accept_due_at__lt=now) | Q(
        status__in=[TipStatus.ACCEPTED, TipStatus.ASSIGNED], verify_due_at__lt=now
    )


def case_queue(
    *,
    user: User,
    status: str | None = None,
    category: str | None = None,
    grid: str | None = None,
    overdue: bool | None = None,
) -> QuerySet[Tip]:
    """The queue of the staff member's grids: SOS first, then oldest first.

    Without a status only cases still on the desk (submitted … verified) are listed; status "all"
    lists every state.
    """
    now = timezone.now()
    status, category, grid = (_no_nul(value) for value in (status, category, grid))
    tips = Tip.objects.filter(grid_id__in=staff_grid_ids(user=user)).select_related(
        "category", "grid", "assignee", "escalated_to", "reporter", "duplicate_of"
    )
    if status and status != "all":
        tips = tips.filter(status__in=[s.strip() for s in status.split(",")])
    elif not status:
        tips = tips.filter(status__in=ACTIVE_STATES)
    if category:
        tips = tips.filter(category__code=category)
    if grid:
        is_id = grid.isdigit() and len(grid) < 18  # a longer number is no id: no bigint overflow
        tips = tips.filter(grid_id=int(grid)) if is_id else tips.filter(grid__code=grid)
    if overdue is True:
        tips = tips.filter(overdue_filter(now))
    elif overdue is False:
        tips = tips.exclude(overdue_filter(now))
    return tips.order_by("priority", "created_at", "id")  # SOS (priority 0) first, then oldest


def _no_nul(value: str | None) -> str | None:
    return value.replace("\x00", "") if value else value


def case_get_for_staff(*, user: User, case_id: int) -> Tip:
    """One case of the staff member's grids; NotFound both for "no such case" and "not yours"."""
    tip = (
        Tip.objects.filter(pk=case_id, grid_id__in=staff_grid_ids(user=user))
        .select_related("category", "grid", "assignee", "duplicate_of", "escalated_to", "reporter")
        .first()
    )
    if tip is None:
        raise CaseNotFoundError(case_id=case_id)
    return tip


def tips_of_reporter(*, user: User) -> QuerySet[Tip]:
    """My tips, newest first."""
    return Tip.objects.filter(reporter=user).select_related("category", "grid").order_by("-created_at", "-id")


def tip_get_for_reporter(*, user: User, tip_id: int) -> Tip:
    """One of my tips; NotFound for anyone else's."""
    tip = (
        Tip.objects.filter(pk=tip_id, reporter=user)
        .select_related("category", "grid", "duplicate_of", "place_code")
        .first()
    )
    if tip is None:
        raise TipNotFoundError(tip_id=tip_id)
    return tip


def due_at(tip: Tip) -> Any:
    """The clock that runs now: accept while submitted, verify while accepted or assigned."""
    if tip.status == TipStatus.SUBMITTED:
        return tip.accept_due_at
    if tip.status in (TipStatus.ACCEPTED, TipStatus.ASSIGNED):
        return tip.verify_due_at
    return None


def is_overdue(tip: Tip, now=None) -> bool:
    clock = due_at(tip)
    return clock is not None and clock < (now or timezone.now())


def duplicate_candidates(*, tip: Tip, grid_ids: list[int] | None = None, limit: int = 10) -> list[dict[str, Any]]:
    """Tips of the same category within DUPLICATE_RADIUS_M and DUPLICATE_WINDOW of this one, nearest
    first (only among the given grids); merged duplicates are left out."""
    # ~0.0018° of latitude ≈ 200 m; the longitude span widens with 1/cos(lat).
    dlat = DUPLICATE_RADIUS_M / 111_320
    dlon = DUPLICATE_RADIUS_M / (111_320 * max(0.1, math.cos(math.radians(tip.lat))))
    nearby = (
        Tip.objects.filter(
            category_id=tip.category_id,
            lat__range=(tip.lat - dlat, tip.lat + dlat),
            lon__range=(tip.lon - dlon, tip.lon + dlon),
            created_at__range=(tip.created_at - DUPLICATE_WINDOW, tip.created_at + DUPLICATE_WINDOW),
        )
        .exclude(pk=tip.pk)
        .exclude(status__in=[TipStatus.DUPLICATE, TipStatus.REJECTED])
        .select_related("category")
    )
    if grid_ids is not None:
        nearby = nearby.filter(grid_id__in=grid_ids)
    found = []
    for other in nearby:
        distance = haversine_m(tip.lat, tip.lon, other.lat, other.lon)
        if distance <= DUPLICATE_RADIUS_M:
            found.append(
                {
                    "id": other.id,
                    "reference": other.reference,
                    "status": other.status,
                    "description": other.description[:200],
                    "created_at": other.created_at,
                    "distance_m": round(distance, 1),
                    "minutes_apart": round(abs((other.created_at - tip.created_at).total_seconds()) / 60, 1),
                }
            )
    found.sort(key=lambda item: (item["distance_m"], item["id"]))
    return found[:limit]


def case_events(*, tip: Tip) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(tip=tip).select_related("actor").order_by("created_at", "id")


def reporter_timeline(*, tip: Tip) -> list[dict[str, Any]]:
    """[{status, at, note, action}] for the reporter: the tip's own steps, then (for a merged tip)
    the steps of the case it was merged into. Escalations are internal and left out."""
    timeline = [
        {
            "status": event.to_status,
            "status_label": str(TipStatus(event.to_status).label),
            "at": event.created_at,
            "note": event.note,
            "action": event.action,
        }
        for event in CaseEvent.objects.filter(tip=tip).exclude(action=CaseAction.ESCALATE).order_by("created_at", "id")
    ]
    if tip.duplicate_of_id:
        merges = [step["at"] for step in timeline if step["action"] == CaseAction.MARK_DUPLICATE]
        merged_at = merges[-1] if merges else tip.created_at
        for event in (
            CaseEvent.objects.filter(tip_id=tip.duplicate_of_id, created_at__gt=merged_at)
            .exclude(action__in=[CaseAction.ESCALATE, CaseAction.REWARD])
            .order_by("created_at", "id")
        ):
            timeline.append(
                {
                    "status": event.to_status,
                    "status_label": str(TipStatus(event.to_status).label),
                    "at": event.created_at,
                    "note": event.note,
                    "action": "merged_case",
                }
            )
        timeline.sort(key=lambda step: step["at"])  # stable: same-instant steps keep their order
    return timeline


def staff_timeline(*, tip: Tip) -> list[dict[str, Any]]:
    """Every step with who did it; never the reporter of an anonymous tip."""
    items = []
    for event in case_events(tip=tip):
        actor = event.actor
        hidden = actor is not None and tip.anonymous and actor.id == tip.reporter_id
        items.append(
            {
                "action": event.action,
                "from_status": event.from_status,
                "status": event.to_status,
                "status_label": str(TipStatus(event.to_status).label),
                "action_label": str(CaseAction(event.action).label),
                "at": event.created_at,
                "note": event.note,
                "by": None if (actor is None or hidden) else {"id": actor.id, "display_name": actor.shown_name},
                "data": event.data,
            }
        )
    return items


def case_photos(*, tip: Tip) -> list[TipPhoto]:
    return list(TipPhoto.objects.filter(tip=tip).order_by("position"))


def photo_get_for_viewer(*, user: User, photo_id: int) -> TipPhoto:
    """A photo for its tip's reporter or the staff of the tip's grid; NotFound for anyone else."""
    photo = TipPhoto.objects.select_related("tip").filter(pk=photo_id).first()
    if photo is None:
        raise TipNotFoundError()
    if photo.tip.reporter_id == user.id:
        return photo
    try:
        allowed = staff_grid_ids(user=user)
    except NotGridStaffError:
        allowed = []
    if photo.tip.grid_id not in allowed:
        raise TipNotFoundError()
    return photo
