"""The tips and case-queue endpoints of API.md: thin, services and selectors do the work."""

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Status, UploadedFile

from core.pagination import paginate
from tips import schemas, selectors, services
from tips.errors import UnknownPlaceCodeError
from tips.models import PlaceCode

router = Router(tags=["tips"])


@router.get("/tips/categories", response=list[schemas.CategoryOut], auth=None)
def categories_api(request: HttpRequest) -> list[dict[str, Any]]:
    """Tip categories with their SLA clocks and default reward."""
    return [schemas.category_out(category) for category in selectors.categories_list()]


@router.get("/tips/place-codes/{code}", response=schemas.PlaceCodeOut, auth=None)
def place_code_api(request: HttpRequest, code: str) -> dict[str, Any]:
    """What a printed place code stands for: the tip form fills place and location from it."""
    place = PlaceCode.objects.select_related("grid").filter(code=code, is_active=True).first()
    if place is None:
        raise UnknownPlaceCodeError(place_code=code)
    return {"code": place.code, "name": place.name, "lat": place.lat, "lon": place.lon, "grid": place.grid}


@router.post("/tips", response={201: schemas.TipCreatedOut})
def tip_submit_api(
    request: HttpRequest,
    category: Form[str],
    description: Form[str] = "",
    lat: Form[float | None] = None,
    lon: Form[float | None] = None,
    anonymous: Form[bool] = False,
    place_code: Form[str] = "",
    kind: Form[str] = "normal",
    photos: File[list[UploadedFile]] = None,
) -> Status:
    """Report a tip (multipart): category, description, lat/lon or place_code, 0–6 photos."""
    tip = services.tip_submit(
        reporter=request.auth,
        category_code=category,
        description=description,
        lat=lat,
        lon=lon,
        anonymous=anonymous,
        place_code=place_code or None,
        kind=kind,
        photos=photos or [],
    )
    return Status(201, schemas.tip_created_out(tip))


@router.get("/tips")
def my_tips_api(request: HttpRequest, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """My tips, newest first."""
    page = paginate(selectors.tips_of_reporter(user=request.auth), limit=limit, offset=offset)
    page["items"] = [schemas.tip_out(tip) for tip in page["items"]]
    return page


@router.get("/tips/{tip_id}")
def my_tip_api(request: HttpRequest, tip_id: int) -> dict[str, Any]:
    """One of my tips with its timeline and reward."""
    tip = selectors.tip_get_for_reporter(user=request.auth, tip_id=tip_id)
    return schemas.tip_out(tip, detail=True)


@router.get("/cases")
def case_queue_api(
    request: HttpRequest,
    status: str | None = None,
    category: str | None = None,
    grid: str | None = None,
    overdue: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """The queue of my grids: SOS first, then oldest first; due times and overdue flags."""
    queue = selectors.case_queue(user=request.auth, status=status, category=category, grid=grid, overdue=overdue)
    page = paginate(queue, limit=limit, offset=offset)
    page["items"] = [schemas.case_out(tip) for tip in page["items"]]
    return page


@router.get("/cases/{case_id}")
def case_detail_api(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """One case of my grids: photos, timeline, duplicate candidates."""
    tip = selectors.case_get_for_staff(user=request.auth, case_id=case_id)
    return schemas.case_detail_out(tip, grid_ids=selectors.staff_grid_ids(user=request.auth))


@router.post("/cases/{case_id}/transition")
def case_transition_api(request: HttpRequest, case_id: int, payload: schemas.TransitionIn) -> dict[str, Any]:
    """accept, assign, verify, resolve, reject or mark_duplicate; 409 invalid_transition."""
    tip = selectors.case_get_for_staff(user=request.auth, case_id=case_id)
    primary = None
    if payload.duplicate_of is not None:
        primary = selectors.case_get_for_staff(user=request.auth, case_id=payload.duplicate_of)
    tip = services.case_transition(
        tip=tip,
        actor=request.auth,
        action=payload.action,
        note=payload.note,
        assignee_id=payload.assignee,
        duplicate_of=primary,
        reward_points=payload.reward_points,
    )
    tip = selectors.case_get_for_staff(user=request.auth, case_id=tip.id)
    return schemas.case_detail_out(tip, grid_ids=selectors.staff_grid_ids(user=request.auth))
