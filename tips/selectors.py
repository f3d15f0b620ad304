"""Reads of the tips app: my tips, the staff's queue (only their grids), duplicate candidates,
timelines."""

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import Grid, Role, User
from accounts.selectors import grids_for_staff
from core.geo import haversine_m
from tips.errors import (
    CaseNotFoundError,
    NotGridStaffError,
    PlaceCodeNotFoundError,
    PlaceCodeSheetNotFoundError,
    TipNotFoundError,
)
from tips.models import (
    ACTIVE_STATES,
    PUBLIC_STATES,
    CaseAction,
    CaseEvent,
    PlaceCode,
    PlaceCodeSheet,
    SosPing,
    Tip,
    TipCategory,
    TipPhoto,
    TipStatus,
)

DUPLICATE_RADIUS_M = 200
DUPLICATE_WINDOW = timedelta(hours=2)


def tips_public(*, since: Any = None, until: Any = None) -> QuerySet[Tip]:
    """Tips that count in public figures: those staff took to their category's `public_from` step.

    A submitted tip nobody has checked, a rejected one and a duplicate never count; an allegation
    category (public_from=verified) counts only verified or resolved tips. Bounds are on created_at.
    """
    counted = Q()
    for step, states in PUBLIC_STATES.items():
        counted |= Q(category__public_from=step, status__in=states)
    tips = Tip.objects.filter(counted)
    if since is not None:
        tips = tips.filter(created_at__gte=since)
    if until is not None:
        tips = tips.filter(created_at__lte=until)
    return tips


def categories_public_rules() -> dict[str, list[str]]:
    """Names of active categories per public_from step, for the pages that say what they count."""
    rules: dict[str, list[str]] = {step: [] for step in PUBLIC_STATES}
    for category in TipCategory.objects.filter(is_active=True):
        rules[category.public_from].append(category.name)
    return rules


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
    """The queue of the staff member's grids, and of the cases assigned to their agency (a
    department's queue, tips.department): SOS first, then oldest first.

    Without a status only cases still on the desk (submitted … verified) are listed; status "all"
    lists every state.
    """
    from tips.department import case_scope

    now = timezone.now()
    status, category, grid = (_no_nul(value) for value in (status, category, grid))
    tips = Tip.objects.filter(case_scope(user=user)).select_related(
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


def case_reported_by(*, cases: Sequence[Tip], user: User) -> bool:
    """Whether the user reported one of these cases, the case one of them is merged into, or a tip
    merged into any of those: then they may not act on them (docs/api.md: 403 own_tip).

    One query; it answers only about the user themselves, so it tells nobody else anything.
    """
    ids = {case.pk for case in cases} | {case.duplicate_of_id for case in cases if case.duplicate_of_id}
    return Tip.objects.filter(Q(pk__in=ids) | Q(duplicate_of_id__in=ids), reporter_id=user.pk).exists()


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
                    "status_label": str(other.get_status_display()),
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
            "note": _step_summary(event, {}) or _step_note(event),
            "action": event.action,
        }
        for event in CaseEvent.objects.filter(tip=tip)
        .exclude(action__in=STAFF_ONLY_ACTIONS)
        .order_by("created_at", "id")
    ]
    if tip.duplicate_of_id:
        merges = [step["at"] for step in timeline if step["action"] == CaseAction.MARK_DUPLICATE]
        merged_at = merges[-1] if merges else tip.created_at
        for event in (
            CaseEvent.objects.filter(tip_id=tip.duplicate_of_id, created_at__gt=merged_at)
            .exclude(action__in=[*STAFF_ONLY_ACTIONS, CaseAction.REWARD])
            .order_by("created_at", "id")
        ):
            timeline.append(
                {
                    "status": event.to_status,
                    "status_label": str(TipStatus(event.to_status).label),
                    "at": event.created_at,
                    "note": _step_summary(event, {}) or _step_note(event),
                    "action": "merged_case",
                }
            )
        timeline.sort(key=lambda step: step["at"])  # stable: same-instant steps keep their order
    return timeline


# Internal steps the reporter does not see: escalations, and a reward's four-eyes approval (the
# reporter sees the reward once it is paid, not an amount a second staff member may still lower).
# A department handing a case back to the grid centre is internal too (tips.department).
# Dispatch steps name volunteers and their distance: staff only.
STAFF_ONLY_ACTIONS = (
    CaseAction.ESCALATE,
    CaseAction.REWARD_REQUEST,
    CaseAction.APPROVE_REWARD,
    CaseAction.HAND_BACK,
    CaseAction.DISPATCH,
    CaseAction.DISPATCH_ACCEPT,
)


# Steps whose note the system writes: shown as a sentence made from the step's data in the reader's
# language (_step_summary); a note stored with such a step (English, from before) is not shown.
SYSTEM_NOTE_ACTIONS = (CaseAction.REWARD_REQUEST, CaseAction.REWARD, CaseAction.ESCALATE)

ESCALATION_STAGE_LABELS = {
    "accept": _lazy("the accept deadline"),
    "verify": _lazy("the verify deadline"),
    "respond": _lazy("the department's report-back deadline"),
}


def _step_summary(event: CaseEvent, grid_names: dict[int, str]) -> str:
    """A sentence for the steps the system writes (reward, four eyes, escalation, dispatch), in the reader's
    language."""
    data = event.data or {}
    points = data.get("points", 0)
    if event.action == CaseAction.DISPATCH:
        return _("Urgent task %(task)s: %(offers)d of %(count)d volunteers asked, %(points)d FZB each") % {
            "task": event.data.get("task_id", ""),
            "offers": len(event.data.get("offer_distances_m", [])),
            "count": event.data.get("count", 0),
            "points": points,
        }
    if event.action == CaseAction.DISPATCH_ACCEPT:
        return _("%(name)s accepted, %(km).1f km away") % {
            "name": event.data.get("volunteer", ""),
            "km": event.data.get("distance_m", 0) / 1000,
        }
    if event.action == CaseAction.REWARD_REQUEST:
        return _("Reward of %(points)d FZB awaiting a second approval") % {"points": points}
    if event.action == CaseAction.APPROVE_REWARD:
        return _("Reward of %(points)d FZB approved (%(requested)d FZB asked)") % {
            "points": points,
            "requested": data.get("requested_points", points),
        }
    if event.action == CaseAction.REWARD:
        return _("%(points)d FZB paid to the reporter") % {"points": points}
    if event.action == CaseAction.ESCALATE:
        due = data.get("due_at")
        return _("%(deadline)s (%(due)s) was missed; escalated to %(grid)s") % {
            "deadline": ESCALATION_STAGE_LABELS.get(data.get("stage", ""), _("a deadline")),
            "due": timezone.localtime(datetime.fromisoformat(due)).strftime("%m-%d %H:%M") if due else "",
            "grid": grid_names.get(data.get("grid_id"), ""),
        }
    return ""


def _step_note(event: CaseEvent) -> str:
    return "" if event.action in SYSTEM_NOTE_ACTIONS else event.note


def _grid_names(events: list[CaseEvent]) -> dict[int, str]:
    ids = {event.data.get("grid_id") for event in events if event.action == CaseAction.ESCALATE and event.data}
    return dict(Grid.objects.filter(pk__in=ids - {None}).values_list("pk", "name")) if ids else {}


def staff_timeline(*, tip: Tip) -> list[dict[str, Any]]:
    """Every step with who did it; never the reporter of an anonymous tip."""
    items = []
    events = list(case_events(tip=tip))
    grid_names = _grid_names(events)
    for event in events:
        actor = event.actor
        hidden = actor is not None and tip.anonymous and actor.id == tip.reporter_id
        items.append(
            {
                "action": event.action,
                "from_status": event.from_status,
                "from_status_label": str(TipStatus(event.from_status).label) if event.from_status else "",
                "status": event.to_status,
                "status_label": str(TipStatus(event.to_status).label),
                "action_label": str(CaseAction(event.action).label),
                "at": event.created_at,
                "note": _step_note(event),
                "by": None if (actor is None or hidden) else {"id": actor.id, "display_name": actor.shown_name},
                "data": event.data,
                "summary": _step_summary(event, grid_names),
            }
        )
    return items


def sos_positions(*, tip: Tip, limit: int = 20) -> list[dict[str, Any]]:
    """Where the reporter of an SOS has been since (tips.services.sos), newest first."""
    rows = SosPing.objects.filter(tip=tip).order_by("-received_at", "-id")[:limit]
    return [{"lat": p.lat, "lon": p.lon, "accuracy_m": p.accuracy_m, "at": p.received_at} for p in rows]


def case_photos(*, tip: Tip) -> list[TipPhoto]:
    return list(TipPhoto.objects.filter(tip=tip).order_by("position"))


def photo_get_for_viewer(*, user: User, photo_id: int) -> TipPhoto:
    """A photo for its tip's reporter, the staff of the tip's grid or of the department it is
    assigned to; NotFound for anyone else."""
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
        from tips.department import user_is_case_department

        if not user_is_case_department(user=user, tip=photo.tip):
            raise TipNotFoundError()
    return photo


def place_codes_for_staff(*, user: User) -> QuerySet[PlaceCode]:
    """The place codes of the staff member's grids (active or not); NotGridStaffError for others."""
    return PlaceCode.objects.filter(grid_id__in=staff_grid_ids(user=user)).select_related("grid")


def place_code_url(*, code: str, base: str | None = None) -> str:
    """What a door plate's QR code opens: the plate's page, where anyone reports without an account
    (tips.views.plate_report). `base` is the site's origin, FUBI_PUBLIC_URL unless given: a printed
    plate must carry the public address, whoever prints it from wherever."""
    origin = (base if base is not None else settings.FUBI_PUBLIC_URL).rstrip("/")
    return f"{origin}{reverse('tips:plate', kwargs={'code': code})}"


def place_code_sheets_for_staff(*, user: User) -> QuerySet[PlaceCodeSheet]:
    """The PDF plate sheets of the staff member's grids, newest first; NotGridStaffError for others."""
    return PlaceCodeSheet.objects.filter(grid_id__in=staff_grid_ids(user=user)).select_related("grid")


def place_code_sheet_get_for_staff(*, user: User, sheet_id: int) -> PlaceCodeSheet:
    """One PDF plate sheet of the staff member's grids; PlaceCodeSheetNotFoundError (404) both for
    "no such sheet" and "another grid's", NotGridStaffError (403) for who is no grid staff."""
    sheet = place_code_sheets_for_staff(user=user).filter(pk=sheet_id).first()
    if sheet is None:
        raise PlaceCodeSheetNotFoundError(sheet_id=sheet_id)
    return sheet


def place_code_get_for_staff(*, user: User, code: str) -> PlaceCode:
    """One place code of the staff member's grids; NotFound both for "no such code" and "not yours"
    (as for cases and tasks), NotGridStaffError for someone who is no grid staff at all."""
    grid_codes = place_codes_for_staff(user=user)  # first: 403 for non-staff, whatever the code
    place = grid_codes.filter(code=code).first() if "\x00" not in code else None  # PostgreSQL refuses NUL
    if place is None:
        raise PlaceCodeNotFoundError(place_code=code)
    return place
