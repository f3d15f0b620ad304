"""What the tips API takes and answers. Staff-facing shapes never carry an anonymous reporter."""

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from ninja import Field, Schema

from tips import selectors
from tips.models import Tip, TipPhoto, TipStatus


class CategoryOut(Schema):
    code: str
    name: str
    accept_minutes: int
    verify_hours: int
    reward_points: int


class GridRef(Schema):
    id: int
    code: str
    name: str


class TipCreatedOut(Schema):
    id: int
    reference: str
    status: str
    kind: str
    grid: GridRef
    track_url: str | None = None  # a guest's report at a door plate: where the guest follows it


class GuestPhoneCodeIn(Schema):
    phone: str


class GuestPhoneCodeOut(Schema):
    verification_id: int
    phone: str  # masked: +86 138****8000
    expires_at: datetime
    resend_after_seconds: int


class TrackedTipOut(Schema):
    reference: str
    status: str
    status_label: str
    category: str
    place: str
    grid: GridRef
    created_at: datetime
    timeline: list[dict[str, Any]]
    reward_points: int  # decided for this report (0: none yet)
    reward_paid: bool
    # the guest proved a number: the reward is collected by an account that verifies it
    reward_waits_for_account: bool


class TransitionIn(Schema):
    action: str
    note: str = ""
    assignee: int | None = None
    duplicate_of: int | None = None
    reward_points: int | None = None


class RoutingRuleIn(Schema):
    grid: int
    category: str
    agency: int
    place_code: str | None = None


class RoutingRuleUpdateIn(Schema):
    agency: int


class AgencyRef(Schema):
    id: int
    name: str
    kind: str


class RoutingRuleOut(Schema):
    id: int
    grid: GridRef
    category: str
    place_code: str | None
    agency: AgencyRef
    created_at: datetime


class RoutingRuleList(Schema):
    items: list[RoutingRuleOut]
    count: int


class PlaceCodeOut(Schema):
    code: str
    name: str
    lat: float
    lon: float
    grid: GridRef


class PlaceCodeStaffOut(PlaceCodeOut):
    is_active: bool


class PlaceCodeList(Schema):
    items: list[PlaceCodeStaffOut]
    count: int


class PlaceCodeCreateIn(Schema):
    # The code is checked by tips.services (422 invalid_place_code), not here, for one clear code.
    code: str
    name: str
    lat: float
    lon: float


class PlaceCodeUpdateIn(Schema):
    name: str | None = None
    lat: float | None = None
    lon: float | None = None
    is_active: bool | None = None


class SosPingIn(Schema):
    lat: float = Field(..., ge=-90, le=90)
    lon: float = Field(..., ge=-180, le=180)
    accuracy_m: float | None = Field(None, ge=0, le=100_000)


class SosPingOut(Schema):
    id: int
    received_at: datetime
    pings_until: datetime


def category_out(category: Any) -> dict[str, Any]:
    return {
        "code": category.code,
        "name": category.name,
        "accept_minutes": category.accept_minutes,
        "verify_hours": category.verify_hours,
        "reward_points": category.default_reward_points,
    }


def grid_ref(grid: Any) -> dict[str, Any] | None:
    if grid is None:
        return None
    return {"id": grid.id, "code": grid.code, "name": grid.name}


def photo_out(photo: TipPhoto) -> dict[str, Any]:
    return {
        "id": photo.id,
        "url": reverse("tips:photo", args=[photo.id]),
        "thumbnail_url": reverse("tips:photo-thumb", args=[photo.id]),
        "width": photo.width,
        "height": photo.height,
    }


def _common(tip: Tip) -> dict[str, Any]:
    return {
        "id": tip.id,
        "reference": tip.reference,
        "status": tip.status,
        "status_label": str(TipStatus(tip.status).label),
        "kind": tip.kind,
        "sos": tip.is_sos,
        "category": {"code": tip.category.code, "name": tip.category.name},
        "grid": grid_ref(tip.grid),
        "description": tip.description,
        "lat": tip.lat,
        "lon": tip.lon,
        "address": tip.address,
        "created_at": tip.created_at,
        "updated_at": tip.updated_at,
    }


def tip_created_out(tip: Tip, *, track_url: str | None = None) -> dict[str, Any]:
    return {
        "id": tip.id,
        "reference": tip.reference,
        "status": tip.status,
        "kind": tip.kind,
        "grid": grid_ref(tip.grid),
        "track_url": track_url,
    }


def tracked_tip_out(tip: Tip) -> dict[str, Any]:
    """What a guest sees at the tracking URL: the reporter's view, without photos or identities."""
    waiting = bool(tip.guest_phone) and tip.reward_paid_at is None and bool(tip.reward_points)
    return {
        "reference": tip.reference,
        "status": tip.status,
        "status_label": str(TipStatus(tip.status).label),
        "category": tip.category.name,
        "place": tip.place_code.name if tip.place_code_id else tip.address,
        "grid": grid_ref(tip.grid),
        "created_at": tip.created_at,
        "timeline": selectors.reporter_timeline(tip=tip),
        "reward_points": tip.reward_points or 0 if not tip.reward_awaiting_approval else 0,
        "reward_paid": tip.reward_paid_at is not None,
        "reward_waits_for_account": waiting and not tip.reward_awaiting_approval,
    }


def tip_out(tip: Tip, *, detail: bool = False) -> dict[str, Any]:
    """The reporter's view of their own tip."""
    body = _common(tip)
    body.update(
        anonymous=tip.anonymous,
        reward_points=tip.reward_points or 0 if tip.reward_paid_at else 0,
        reward_paid=tip.reward_paid_at is not None,
        merged_into=(
            {"reference": tip.duplicate_of.reference, "status": tip.duplicate_of.status}
            if tip.duplicate_of_id
            else None
        ),
    )
    if detail:
        body["place_code"] = tip.place_code.code if tip.place_code_id else None
        body["photos"] = [photo_out(photo) for photo in selectors.case_photos(tip=tip)]
        body["timeline"] = selectors.reporter_timeline(tip=tip)
    return body


def case_out(tip: Tip, *, now: datetime | None = None) -> dict[str, Any]:
    """The staff's view of a case: the reporter only when not anonymous."""
    now = now or timezone.now()
    body = _common(tip)
    reporter = None
    if not tip.anonymous:
        reporter = {"id": tip.reporter_id, "display_name": tip.reporter.shown_name}
    body.update(
        anonymous=tip.anonymous,
        reporter=reporter,
        source=tip.source,
        accept_due_at=tip.accept_due_at,
        verify_due_at=tip.verify_due_at,
        due_at=selectors.due_at(tip),
        overdue=selectors.is_overdue(tip, now),
        escalated=bool(tip.escalation_stage),
        escalation_stage=tip.escalation_stage or None,
        escalated_to=grid_ref(tip.escalated_to) if tip.escalated_to_id else None,
        assignee={"id": tip.assignee.id, "name": tip.assignee.name} if tip.assignee_id else None,
        duplicate_of=(
            {"id": tip.duplicate_of_id, "reference": tip.duplicate_of.reference} if tip.duplicate_of_id else None
        ),
        reward_points=tip.reward_points,
        reward_paid=tip.reward_paid_at is not None,
        # Four eyes: reward_points is the amount asked for until a second staff member decides.
        reward_pending=tip.reward_awaiting_approval,
        accepted_at=tip.accepted_at,
        verified_at=tip.verified_at,
        closed_at=tip.closed_at,
        # The assigned department's clock (tips.department): report back by respond_due_at.
        assigned_at=tip.assigned_at,
        respond_due_at=tip.respond_due_at if tip.status == TipStatus.ASSIGNED else None,
        responded_at=tip.responded_at,
        respond_overdue=(
            tip.status == TipStatus.ASSIGNED
            and tip.responded_at is None
            and tip.respond_due_at is not None
            and tip.respond_due_at < now
        ),
        respond_escalated=tip.respond_escalated_at is not None,
    )
    return body


def _staff_ref(user: Any) -> dict[str, Any]:
    # Only staff decide rewards, and never on their own tip (a database constraint), so this never
    # names a reporter.
    return {"id": user.id, "display_name": user.shown_name}


def case_detail_out(tip: Tip, *, grid_ids: list[int]) -> dict[str, Any]:
    body = case_out(tip)
    body["photos"] = [photo_out(photo) for photo in selectors.case_photos(tip=tip)]
    body["timeline"] = selectors.staff_timeline(tip=tip)
    body["sos_positions"] = selectors.sos_positions(tip=tip)
    body["reward_requested_by"] = _staff_ref(tip.reward_requested_by) if tip.reward_requested_by_id else None
    body["reward_approved_by"] = _staff_ref(tip.reward_approved_by) if tip.reward_approved_by_id else None
    body["duplicate_candidates"] = selectors.duplicate_candidates(tip=tip, grid_ids=grid_ids)
    body["duplicates"] = [
        {"id": dup.id, "reference": dup.reference, "reward_points": dup.reward_points or 0}
        for dup in tip.duplicates.order_by("id")
    ]
    return body


class PlaceCodeImportOut(Schema):
    created: int


class PlaceCodeSheetIn(Schema):
    grid_id: int


class PlaceCodeSheetOut(Schema):
    id: int
    grid: GridRef
    status: str  # queued, running, done, failed
    done: int  # plates drawn so far
    total: int
    error: str
    download_url: str | None  # the PDF, once done (staff of the grid only)
    created_at: datetime


def place_code_sheet_out(sheet: Any) -> dict[str, Any]:
    done = sheet.status == "done"
    return {
        "id": sheet.id,
        "grid": grid_ref(sheet.grid),
        "status": sheet.status,
        "done": sheet.done,
        "total": sheet.total,
        "error": sheet.error,
        "download_url": reverse("tips:staff-place-code-sheet-pdf", args=[sheet.id]) if done else None,
        "created_at": sheet.created_at,
    }
