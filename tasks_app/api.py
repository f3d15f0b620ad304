"""The tasks API (docs/api.md, tasks), plus urgent dispatch. Thin: parse, fetch for the user, call a service."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from accounts.security import token_user
from accounts.selectors import agency_get_for_staff
from core.fields import Instant
from core.pagination import paginate
from core.ratelimit import rate_limit_hit
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
    ProofIn,
    RejectIn,
    StaffClaimOut,
    TaskAudienceOut,
    TaskDetailOut,
    TaskIn,
    TaskOut,
    TaskStaffOut,
)
from tasks_app.services import online as online_services

router = Router(tags=["tasks"])


class NearbyQuery(Schema):
    lat: float = Field(settings.FUBI_DISTRICT_CENTER[0], ge=-90, le=90)
    lon: float = Field(settings.FUBI_DISTRICT_CENTER[1], ge=-180, le=180)
    radius_km: float = Field(5.0, gt=0, le=50)
    category: CategoryCode | None = None
    starts_after: Instant | None = None
    starts_before: Instant | None = None
    limit: int = 50
    offset: int = 0


class TaskList(Schema):
    items: list[TaskOut]
    count: int  # exact up to 1,000 (queries.NEARBY_COUNT_CAP), else 1,000
    count_exact: bool  # whether count is exact; when not, there are more than 1,000 ("1000+")


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

    The hottest read: PostgreSQL answers the count (exact up to 1,000; count_exact says whether it
    is) and the page as TaskList's JSON in one call (tasks_app.queries.tasks_nearby_json), passed
    through as it comes.
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


def _viewer(request: HttpRequest) -> object | None:
    """Who asks on an endpoint open to visitors: the X-Session-Token's user, the session's, or None."""
    token = request.headers.get("X-Session-Token")
    if token:
        return token_user(token)
    return request.user if request.user.is_authenticated else None


class TaskForMeList(Schema):
    items: list[TaskAudienceOut]
    count: int


@router.get("/tasks/for-me", response=TaskForMeList)
def task_list_for_me_api(request: HttpRequest, query: Query[PageQuery]) -> dict:
    """Open tasks meant for my audiences rather than for everyone nearby: my teams' shifts and tasks."""
    return paginate(selectors.tasks_for_my_audiences(user=request.auth), limit=query.limit, offset=query.offset)


@router.get("/tasks/{task_id}", response=TaskDetailOut, auth=None)
def task_detail_api(request: HttpRequest, task_id: int, lat: float | None = None, lon: float | None = None) -> object:
    """One task (anyone; drafts only to their agency via /agency/tasks)."""
    task = selectors.task_get_public(task_id=task_id, user=_viewer(request))
    if lat is not None and lon is not None and task.lat is not None:
        from core.geo import haversine_m

        task.distance_km = haversine_m(lat, lon, task.lat, task.lon) / 1000
    return task


@router.post("/tasks", response={201: TaskStaffOut})
def task_create_api(request: HttpRequest, payload: TaskIn) -> Status:
    """Create a draft task for my agency."""
    selectors.staff_agency_ids(user=request.auth)
    agency = agency_get_for_staff(user=request.auth, agency_id=payload.agency_id)
    fields = payload.dict(exclude={"agency_id", "team_id", "grid_id"})
    if payload.team_id is not None:
        fields["team"] = selectors.team_get_for_staff(user=request.auth, team_id=payload.team_id)
    if payload.grid_id is not None:
        fields["grid"] = selectors.grid_get_for_audience(grid_id=payload.grid_id)
    if payload.audience is None:
        fields["audience"] = "team" if "team" in fields else "grid" if "grid" in fields else "all"
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
    """Send a GPS fix: in, out or ping (422 outside_geofence, too_short_on_site; 429 rate_limited)."""
    rate_limit_hit(
        scope="checkins", who=f"user:{request.auth.pk}", message=_("You have sent too many check-ins in a short time.")
    )
    claim = selectors.claim_get_for_user(user=request.auth, claim_id=claim_id)
    checkin = services.checkin_record(
        claim=claim,
        kind=payload.kind,
        lat=payload.lat,
        lon=payload.lon,
        accuracy_m=payload.accuracy_m,
        recorded_at=payload.recorded_at,
        sent_at=payload.sent_at,
        queued=payload.queued,
    )
    return Status(201, checkin)


@router.post("/claims/{claim_id}/proof", response=ClaimOut)
def claim_proof_api(request: HttpRequest, claim_id: int, payload: ProofIn) -> object:
    """Send an online task's proof: a link, or a confirmation (paid at once on an auto-approving
    confirmation task). 409 task_not_online, invalid_claim_state, task_not_open; 422 invalid."""
    claim = selectors.claim_get_for_user(user=request.auth, claim_id=claim_id)
    return online_services.claim_proof_submit(claim=claim, url=payload.url, confirm=payload.confirm)


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


def _add_sub_routers() -> None:
    # Teams and rotas keep their own modules; they mount under this router, at the root like it.
    from tasks_app.api_rotas import router as rotas_router
    from tasks_app.api_teams import router as teams_router

    router.add_router("", teams_router)
    router.add_router("", rotas_router)


_add_sub_routers()
