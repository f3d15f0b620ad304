"""The tasks API (API.md "Tasks"), plus urgent dispatch. Thin: parse, fetch for the user, call a service."""

from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from accounts.selectors import agency_get_for_staff
from core.pagination import paginate
from tasks_app import selectors, services
from tasks_app.schemas import (
    CategoryCode,
    CheckInIn,
    CheckInOut,
    ClaimOut,
    DispatchIn,
    MyClaimOut,
    OfferOut,
    OnCallIn,
    OnCallOut,
    RejectIn,
    StaffClaimOut,
    TaskDetailOut,
    TaskIn,
    TaskOut,
    TaskStaffOut,
)

router = Router(tags=["tasks"])


class NearbyQuery(Schema):
    lat: float = Field(settings.FUBI_DISTRICT_CENTER[0], ge=-90, le=90)
    lon: float = Field(settings.FUBI_DISTRICT_CENTER[1], ge=-180, le=180)
    radius_km: float = Field(5.0, gt=0, le=50)
    category: CategoryCode | None = None
    starts_after: datetime | None = None
    starts_before: datetime | None = None
    limit: int = 50
    offset: int = 0


class TaskList(Schema):
    items: list[TaskOut]
    count: int


class StaffTaskList(Schema):
    items: list[TaskStaffOut]
    count: int


class MyClaimList(Schema):
    items: list[MyClaimOut]
    count: int


class StaffClaimList(Schema):
    items: list[StaffClaimOut]
    count: int


class OfferList(Schema):
    items: list[OfferOut]
    count: int


class PageQuery(Schema):
    limit: int = 50
    offset: int = 0
    status: str | None = None


@router.get("/tasks", response=TaskList, auth=None)
def task_list_api(request: HttpRequest, query: Query[NearbyQuery]) -> HttpResponse:
    """Open tasks with places left near a position, nearest first (anyone).

    The hottest read: PostgreSQL answers the count and the page as TaskList's JSON in one call
    (tasks_app.selectors.task_page_nearby_json), passed through as it comes.
    """
    page = selectors.task_page_nearby_json(
        lat=query.lat,
        lon=query.lon,
        radius_km=query.radius_km,
        category=query.category,
        starts_after=query.starts_after,
        starts_before=query.starts_before,
        limit=query.limit,
        offset=query.offset,
    )
    return HttpResponse(page, content_type="application/json")


@router.get("/tasks/{task_id}", response=TaskDetailOut, auth=None)
def task_detail_api(request: HttpRequest, task_id: int, lat: float | None = None, lon: float | None = None) -> object:
    """One task (anyone; drafts only to their agency via /agency/tasks)."""
    task = selectors.task_get_public(task_id=task_id)
    if lat is not None and lon is not None:
        from core.geo import haversine_m

        task.distance_km = haversine_m(lat, lon, task.lat, task.lon) / 1000
    return task


@router.post("/tasks", response={201: TaskStaffOut})
def task_create_api(request: HttpRequest, payload: TaskIn) -> Status:
    """Create a draft task for my agency."""
    selectors.staff_agency_ids(user=request.auth)
    agency = agency_get_for_staff(user=request.auth, agency_id=payload.agency_id)
    fields = payload.dict(exclude={"agency_id"})
    task = services.task_create(agency=agency, created_by=request.auth, **fields)
    return Status(201, task)


@router.get("/agency/tasks", response=StaffTaskList)
def agency_task_list_api(request: HttpRequest, query: Query[PageQuery], agency_id: int | None = None) -> dict:
    """Every task of my agencies, drafts included."""
    qs = selectors.tasks_for_agency(user=request.auth, agency_id=agency_id, status=query.status)
    return paginate(qs, limit=query.limit, offset=query.offset)


@router.post("/tasks/{task_id}/publish", response=TaskStaffOut)
def task_publish_api(request: HttpRequest, task_id: int) -> object:
    """Open a draft: escrow headcount × points (409 insufficient_funds)."""
    task = selectors.task_get_for_staff(user=request.auth, task_id=task_id)
    return services.task_publish(task=task, user=request.auth)


@router.post("/tasks/{task_id}/cancel", response=TaskStaffOut)
def task_cancel_api(request: HttpRequest, task_id: int) -> object:
    """Cancel a task: claims cancelled, escrow returned."""
    task = selectors.task_get_for_staff(user=request.auth, task_id=task_id)
    return services.task_cancel(task=task, user=request.auth)


@router.post("/tasks/{task_id}/claims", response={201: ClaimOut})
def claim_create_api(request: HttpRequest, task_id: int) -> Status:
    """Take one place (409 task_full, already_claimed, task_not_open)."""
    task = selectors.task_get_for_claim(task_id=task_id, user=request.auth)
    return Status(201, services.claim_create(task=task, user=request.auth))


@router.get("/tasks/{task_id}/claims", response=StaffClaimList)
def task_claims_api(request: HttpRequest, task_id: int, query: Query[PageQuery]) -> dict:
    """The task's claims with every check-in and its flags (its agency)."""
    task = selectors.task_get_for_staff(user=request.auth, task_id=task_id)
    qs = selectors.claims_for_task(task=task)
    if query.status:
        qs = qs.filter(status=query.status)
    return paginate(qs, limit=query.limit, offset=query.offset)


@router.get("/claims", response=MyClaimList)
def claim_list_api(request: HttpRequest, query: Query[PageQuery]) -> dict:
    """My claims, newest first."""
    qs = selectors.claim_list_for_user(user=request.auth, status=query.status)
    return paginate(qs, limit=query.limit, offset=query.offset)


@router.get("/claims/{claim_id}", response=MyClaimOut)
def claim_detail_api(request: HttpRequest, claim_id: int) -> object:
    """One of my claims."""
    return selectors.claim_get_for_user(user=request.auth, claim_id=claim_id)


@router.post("/claims/{claim_id}/cancel", response=ClaimOut)
def claim_cancel_api(request: HttpRequest, claim_id: int) -> object:
    """Give my place back before the start."""
    claim = selectors.claim_get_for_user(user=request.auth, claim_id=claim_id)
    return services.claim_cancel(claim=claim, user=request.auth)


@router.post("/claims/{claim_id}/checkins", response={201: CheckInOut})
def checkin_create_api(request: HttpRequest, claim_id: int, payload: CheckInIn) -> Status:
    """Send a GPS fix: in, out or ping (422 outside_geofence, too_short_on_site)."""
    claim = selectors.claim_get_for_user(user=request.auth, claim_id=claim_id)
    checkin = services.checkin_record(
        claim=claim,
        kind=payload.kind,
        lat=payload.lat,
        lon=payload.lon,
        accuracy_m=payload.accuracy_m,
        recorded_at=payload.recorded_at,
    )
    return Status(201, checkin)


@router.post("/claims/{claim_id}/approve", response=ClaimOut)
def claim_approve_api(request: HttpRequest, claim_id: int) -> object:
    """Pay a completed claim, once (its agency)."""
    claim = selectors.claim_get_for_staff(user=request.auth, claim_id=claim_id)
    return services.claim_approve(claim=claim, user=request.auth)


@router.post("/claims/{claim_id}/reject", response=ClaimOut)
def claim_reject_api(request: HttpRequest, claim_id: int, payload: RejectIn) -> object:
    """Refuse a claim; its points go back to the agency (its agency)."""
    claim = selectors.claim_get_for_staff(user=request.auth, claim_id=claim_id)
    return services.claim_reject(claim=claim, user=request.auth, reason=payload.reason)


@router.get("/volunteer/on-call", response=OnCallOut)
def on_call_get_api(request: HttpRequest) -> dict:
    """Am I on call for urgent tasks?"""
    status = getattr(request.auth, "volunteer_status", None)
    if status is None:
        return {"on_call": False, "lat": None, "lon": None, "position_at": None}
    return status


@router.post("/volunteer/on-call", response=OnCallOut)
def on_call_set_api(request: HttpRequest, payload: OnCallIn) -> object:
    """Go on or off call for urgent tasks, sharing my position while on call."""
    return services.volunteer_on_call_set(
        user=request.auth, on_call=payload.on_call, lat=payload.lat, lon=payload.lon, accuracy_m=payload.accuracy_m
    )


@router.post("/tasks/{task_id}/dispatch", response=OfferList)
def task_dispatch_api(request: HttpRequest, task_id: int, payload: DispatchIn) -> dict:
    """Offer an open task as urgent to the nearest on-call volunteers (its agency)."""
    task = selectors.task_get_for_staff(user=request.auth, task_id=task_id)
    offers = services.task_dispatch(task=task, count=payload.count)
    return {"items": offers, "count": len(offers)}


@router.get("/offers", response=OfferList)
def offer_list_api(request: HttpRequest, query: Query[PageQuery]) -> dict:
    """Urgent offers made to me."""
    return paginate(selectors.offer_list_for_user(user=request.auth), limit=query.limit, offset=query.offset)


@router.post("/offers/{offer_id}/accept", response=OfferOut)
def offer_accept_api(request: HttpRequest, offer_id: int) -> object:
    """Accept an urgent offer: a place is claimed for me."""
    offer = selectors.offer_get_for_user(user=request.auth, offer_id=offer_id)
    return services.offer_accept(offer=offer, user=request.auth)


@router.post("/offers/{offer_id}/decline", response=OfferOut)
def offer_decline_api(request: HttpRequest, offer_id: int) -> object:
    """Decline an urgent offer."""
    offer = selectors.offer_get_for_user(user=request.auth, offer_id=offer_id)
    return services.offer_decline(offer=offer, user=request.auth)
