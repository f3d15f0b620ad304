"""The rotas API (docs/api.md "Rotas"): standing patrols whose shifts become funded tasks ahead of time."""

from datetime import date, timedelta

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from accounts.selectors import agency_get_for_staff
from core.pagination import paginate
from tasks_app import selectors
from tasks_app.rota_schemas import CoverageOut, RotaIn, RotaOut
from tasks_app.services import rotas as rota_services

router = Router(tags=["rotas"])


class RotaList(Schema):
    items: list[RotaOut]
    count: int


class RotaQuery(Schema):
    limit: int = 50
    offset: int = 0
    agency_id: int | None = None


class CoverageQuery(Schema):
    week: date | None = None  # any day of the week; its Monday is the start (default: this week)
    grid_id: int | None = None


@router.get("/rotas", response=RotaList)
def rota_list_api(request: HttpRequest, query: Query[RotaQuery]) -> dict:
    """My agencies' rotas."""
    qs = selectors.rotas_for_staff(user=request.auth, agency_id=query.agency_id)
    return paginate(qs, limit=query.limit, offset=query.offset)


@router.post("/rotas", response={201: RotaOut})
def rota_create_api(request: HttpRequest, payload: RotaIn) -> Status:
    """A standing rota of my agency; its shifts of the days ahead are made and funded at once."""
    selectors.staff_agency_ids(user=request.auth)
    agency = agency_get_for_staff(user=request.auth, agency_id=payload.agency_id)
    team = None
    if payload.team_id is not None:
        team = selectors.team_get_for_staff(user=request.auth, team_id=payload.team_id)
    fields = payload.dict(exclude={"agency_id", "team_id", "shifts"})
    shifts = [shift.dict() for shift in payload.shifts]
    rota = rota_services.rota_create(agency=agency, created_by=request.auth, team=team, shifts=shifts, **fields)
    return Status(201, selectors.rota_get_for_staff(user=request.auth, rota_id=rota.pk))


@router.get("/rotas/coverage", response=CoverageOut)
def rota_coverage_api(request: HttpRequest, query: Query[CoverageQuery]) -> dict:
    """Shifts × days of a week: places taken against headcount, for my agencies' rotas (of a grid)."""
    day = query.week or timezone.localdate()
    return selectors.rota_coverage(
        user=request.auth, week_start=day - timedelta(days=day.weekday()), grid_id=query.grid_id
    )


@router.get("/rotas/{rota_id}", response=RotaOut)
def rota_detail_api(request: HttpRequest, rota_id: int) -> object:
    """One of my agencies' rotas."""
    return selectors.rota_get_for_staff(user=request.auth, rota_id=rota_id)


@router.post("/rotas/{rota_id}/pause", response=RotaOut)
def rota_pause_api(request: HttpRequest, rota_id: int) -> object:
    """Stop making shifts; those made stay (409 rota_ended)."""
    rota = selectors.rota_get_for_staff(user=request.auth, rota_id=rota_id)
    rota_services.rota_pause(rota=rota)
    return selectors.rota_get_for_staff(user=request.auth, rota_id=rota_id)


@router.post("/rotas/{rota_id}/resume", response=RotaOut)
def rota_resume_api(request: HttpRequest, rota_id: int) -> object:
    """Make shifts again (409 rota_ended)."""
    rota = selectors.rota_get_for_staff(user=request.auth, rota_id=rota_id)
    rota_services.rota_resume(rota=rota)
    return selectors.rota_get_for_staff(user=request.auth, rota_id=rota_id)


@router.post("/rotas/{rota_id}/end", response=RotaOut)
def rota_end_api(request: HttpRequest, rota_id: int) -> object:
    """End the rota: shifts not started are cancelled, their escrow back to the agency."""
    rota = selectors.rota_get_for_staff(user=request.auth, rota_id=rota_id)
    rota_services.rota_end(rota=rota, user=request.auth)
    return selectors.rota_get_for_staff(user=request.auth, rota_id=rota_id)
