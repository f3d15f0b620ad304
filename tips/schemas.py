"""What the tips API takes and answers. Staff-facing shapes never carry an anonymous reporter."""

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from ninja import Schema

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


class TransitionIn(Schema):
    action: str
    note: str = ""
    assignee: int | None = None
    duplicate_of: int | None = None
    reward_points: int | None = None


class PlaceCodeOut(Schema):
    code: str
    name: str
    lat: float
    lon: float
    grid: GridRef


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


def tip_created_out(tip: Tip) -> dict[str, Any]:
    return {
        "id": tip.id,
        "reference": tip.reference,
        "status": tip.status,
        "kind": tip.kind,
        "grid": grid_ref(tip.grid),
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
        accepted_at=tip.accepted_at,
        verified_at=tip.verified_at,
        closed_at=tip.closed_at,
    )
    return body


def case_detail_out(tip: Tip, *, grid_ids: list[int]) -> dict[str, Any]:
    body = case_out(tip)
    body["photos"] = [photo_out(photo) for photo in selectors.case_photos(tip=tip)]
    body["timeline"] = selectors.staff_timeline(tip=tip)
    body["duplicate_candidates"] = selectors.duplicate_candidates(tip=tip, grid_ids=grid_ids)
    body["duplicates"] = [
        {"id": dup.id, "reference": dup.reference, "reward_points": dup.reward_points or 0}
        for dup in tip.duplicates.order_by("id")
    ]
    return body
