"""The safe-house API (docs/api.md, safe houses), and the guards' roll calls. Thin: parse, fetch, call."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from core.pagination import paginate
from core.ratelimit import address_identity, rate_limit_hit
from safehouses import selectors, services
from safehouses.models import RollCall, SafeHouse
from safehouses.schemas import (
    RollCallList,
    RollCallOut,
    SafeHouseIn,
    SafeHouseList,
    SafeHousePatch,
    SafeHouseQuery,
    SafeHouseStaffOut,
    ShiftIn,
    ShiftOut,
)

router = Router(tags=["safe houses"])


def roll_call_out(roll_call: RollCall) -> dict[str, Any]:
    house = roll_call.shift.safe_house
    return {
        "id": roll_call.id,
        "safe_house_id": house.id,
        "safe_house_name": house.name,
        "status": roll_call.status,
        "asked_at": roll_call.asked_at,
        "due_at": roll_call.due_at,
        "answered_at": roll_call.answered_at,
        "distance_m": roll_call.distance_m,
        "on_site": selectors.roll_call_on_site(roll_call),
    }


@router.get("/safe-houses", response=SafeHouseList, auth=None)
def safe_house_list_api(request: HttpRequest, query: Query[SafeHouseQuery]) -> dict[str, Any]:
    """Safe houses near a position, nearest first, each saying whether it is open now (anyone;
    counted per client address, FUBI_RATE_SAFE_HOUSES_PER_ADDRESS)."""
    rate_limit_hit(
        scope="safe_houses_per_address",
        who=address_identity(request),
        message=_("Too many safe-house searches from your network in a short time. In an emergency, call 110."),
    )
    found = selectors.safe_houses_nearby(
        lat=query.lat, lon=query.lon, radius_km=query.radius_km, open_now=query.open_now
    )
    return paginate(found, limit=query.limit, offset=query.offset)


@router.get("/roll-calls", response=RollCallList)
def roll_call_list_api(request: HttpRequest, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """The roll calls asked of me as a guard on duty, newest first."""
    page = paginate(selectors.roll_calls_for_guard(user=request.auth), limit=limit, offset=offset)
    return {"items": [roll_call_out(item) for item in page["items"]], "count": page["count"]}


@router.post("/roll-calls/{roll_call_id}/answer", response=RollCallOut)
def roll_call_answer_api(
    request: HttpRequest,
    roll_call_id: int,
    photo: File[UploadedFile],
    lat: float = Form(..., ge=-90, le=90),
    lon: float = Form(..., ge=-180, le=180),
) -> dict[str, Any]:
    """Answer a roll call (multipart: photo, lat, lon): only its guard, before it is due (拍照+定位 查岗)."""
    roll_call = selectors.roll_call_get_for_guard(user=request.auth, roll_call_id=roll_call_id)
    answered = services.roll_call_answer(roll_call=roll_call, user=request.auth, photo=photo, lat=lat, lon=lon)
    return roll_call_out(answered)


def safe_house_staff_out(house: SafeHouse) -> dict[str, Any]:
    fields = ("id", "agency_id", "name_zh", "name_en", "lat", "lon", "address", "phone", "is_24h", "is_active")
    body: dict[str, Any] = {name: getattr(house, name) for name in fields}
    body["equipment"] = list(house.equipment)
    body["hours"] = [
        {"weekday": o.weekday, "opens": o.opens, "closes": o.closes} for o in house.hours.order_by("weekday", "opens")
    ]
    return body


@router.post("/safe-houses", response={201: SafeHouseStaffOut})
def safe_house_create_api(request: HttpRequest, payload: SafeHouseIn) -> Status:
    """Add a safe house to my station's registry (station staff), with its opening hours."""
    agency = selectors.station_for_staff(user=request.auth, agency_id=payload.agency_id)
    fields = payload.dict(exclude={"agency_id", "hours"})
    house = services.safe_house_create(agency=agency, hours=[o.dict() for o in payload.hours], **fields)
    return Status(201, safe_house_staff_out(house))


@router.patch("/safe-houses/{safe_house_id}", response=SafeHouseStaffOut)
def safe_house_update_api(request: HttpRequest, safe_house_id: int, payload: SafeHousePatch) -> dict[str, Any]:
    """Change a safe house of my station (station staff); hours, when given, replace the old ones."""
    house = selectors.safe_house_get_for_staff(user=request.auth, safe_house_id=safe_house_id)
    fields = payload.dict(exclude_unset=True, exclude={"hours"})
    fields = {name: value for name, value in fields.items() if value is not None}
    hours = [o.dict() for o in payload.hours] if payload.hours is not None else None
    house = services.safe_house_update(safe_house=house, hours=hours, **fields)
    return safe_house_staff_out(house)


@router.post("/safe-houses/{safe_house_id}/shifts", response={201: ShiftOut})
def shift_create_api(request: HttpRequest, safe_house_id: int, payload: ShiftIn) -> Status:
    """Put a guard of my station on duty at one of its safe houses (station staff)."""
    house = selectors.safe_house_get_for_staff(user=request.auth, safe_house_id=safe_house_id)
    shift = services.shift_create(safe_house=house, **payload.dict())
    return Status(201, shift)
