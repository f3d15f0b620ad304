"""The tips and case-queue endpoints of docs/api.md: thin, services and selectors do the work."""

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile
from ninja.errors import AuthenticationError
from ninja.security import SessionAuth

from accounts.security import x_session_token_auth
from core.pagination import paginate
from tips import department, routing, schemas, selectors, services
from tips.errors import CaseNotFoundError, TipNotFoundError, UnknownPlaceCodeError
from tips.models import PlaceCode
from tips.ratelimits import (
    guest_phone_code_rate_limit,
    guest_tip_rate_limit,
    place_code_import_rate_limit,
    place_code_sheet_rate_limit,
    sos_follow_up_rate_limit,
    tip_submit_rate_limit,
)

router = Router(tags=["tips"])


class _Guest:
    """request.auth of a caller who sent no credentials where guests are welcome (door plates)."""

    def __bool__(self) -> bool:
        return True


GUEST = _Guest()


def _guest(request: HttpRequest) -> _Guest:
    return GUEST  # tried last: a session token or a signed-in cookie (with its CSRF check) wins


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


@router.get("/tips/place-codes", response=schemas.PlaceCodeList)
def place_code_list_api(request: HttpRequest, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """The place codes of my grids (grid staff), active or not."""
    return paginate(selectors.place_codes_for_staff(user=request.auth), limit=limit, offset=offset)


@router.post("/tips/place-codes", response={201: schemas.PlaceCodeStaffOut})
def place_code_create_api(request: HttpRequest, payload: schemas.PlaceCodeCreateIn) -> Status:
    """A new printed place code at a point of my grids; 409 place_code_taken, 422 invalid_place_code."""
    place = services.place_code_create(
        actor=request.auth, code=payload.code, name=payload.name, lat=payload.lat, lon=payload.lon
    )
    return Status(201, place)


@router.patch("/tips/place-codes/{code}", response=schemas.PlaceCodeStaffOut)
def place_code_update_api(request: HttpRequest, code: str, payload: schemas.PlaceCodeUpdateIn) -> PlaceCode:
    """Rename, move (inside its grid: 422 place_outside_grid) or (de)activate a code of my grids."""
    place = selectors.place_code_get_for_staff(user=request.auth, code=code)
    return services.place_code_update(
        actor=request.auth,
        place=place,
        name=payload.name,
        lat=payload.lat,
        lon=payload.lon,
        is_active=payload.is_active,
    )


# Before /tips/{tip_id}: Django tries the paths in order.
@router.get("/tips/routing-rules", response=schemas.RoutingRuleList)
def routing_rule_list_api(request: HttpRequest, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """The routing rules of my grids (grid staff): category (and place code) → department."""
    page = paginate(routing.routing_rules_for_staff(user=request.auth), limit=limit, offset=offset)
    page["items"] = [routing.rule_out(rule) for rule in page["items"]]
    return page


@router.post("/tips/routing-rules", response={201: schemas.RoutingRuleOut})
def routing_rule_create_api(request: HttpRequest, payload: schemas.RoutingRuleIn) -> Status:
    """A rule of one of my grids; 409 routing_rule_exists, 422 for an unknown category, department or
    place code, 404 for a grid that is not mine."""
    rule = routing.routing_rule_create(
        actor=request.auth,
        grid_id=payload.grid,
        category_code=payload.category,
        agency_id=payload.agency,
        place_code=payload.place_code,
    )
    return Status(201, routing.rule_out(rule))


@router.patch("/tips/routing-rules/{rule_id}", response=schemas.RoutingRuleOut)
def routing_rule_update_api(request: HttpRequest, rule_id: int, payload: schemas.RoutingRuleUpdateIn) -> dict:
    """Send a rule's tips to another department."""
    rule = routing.routing_rule_get_for_staff(user=request.auth, rule_id=rule_id)
    return routing.rule_out(routing.routing_rule_update(actor=request.auth, rule=rule, agency_id=payload.agency))


@router.delete("/tips/routing-rules/{rule_id}", response={204: None})
def routing_rule_delete_api(request: HttpRequest, rule_id: int) -> Status:
    """Remove a rule of my grids; cases routed already keep their department."""
    rule = routing.routing_rule_get_for_staff(user=request.auth, rule_id=rule_id)
    routing.routing_rule_delete(actor=request.auth, rule=rule)
    return Status(204, None)


@router.post("/tips", response={201: schemas.TipCreatedOut}, auth=[x_session_token_auth, SessionAuth(), _guest])
def tip_submit_api(
    request: HttpRequest,
    category: Form[str] = "",
    description: Form[str] = "",
    lat: Form[float | None] = None,
    lon: Form[float | None] = None,
    anonymous: Form[bool] = False,
    place_code: Form[str] = "",
    kind: Form[str] = "normal",
    photos: File[list[UploadedFile]] = None,
    phone_verification_id: Form[int | None] = None,
    phone_code: Form[str] = "",
) -> Status:
    """Report a tip (multipart): category, description, lat/lon or place_code, 0–6 photos. An SOS
    (kind "sos") may come with its position alone: category and text can follow.

    Without an account (a passer-by at a door plate) place_code is required; an optional phone
    number is proven with phone_verification_id and phone_code (POST /tips/guest-phone-codes); the
    answer carries the track_url where the guest follows the case.
    """
    if request.auth is GUEST:
        if not place_code:
            raise AuthenticationError()
        guest_tip_rate_limit(request, place_code=place_code)
        tip = services.guest_tip_submit(
            place_code=place_code,
            category_code=category,
            description=description,
            photos=photos or [],
            phone_verification_id=phone_verification_id,
            phone_code=phone_code,
        )
        return Status(201, schemas.tip_created_out(tip, track_url=services.guest_track_url(tip)))
    tip_submit_rate_limit(request, user=request.auth, kind=kind)
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


@router.post("/tips/{tip_id}/follow-up")
def sos_follow_up_api(
    request: HttpRequest,
    tip_id: int,
    category: Form[str] = "",
    description: Form[str] = "",
    photos: File[list[UploadedFile]] = None,
) -> dict[str, Any]:
    """Add a category, text (appended) and photos to my own one-tap SOS (multipart), within
    FUBI_SOS_FOLLOW_UP_MINUTES; 409 sos_closed after that or once the case is closed."""
    tip = services.sos_get_for_reporter(user=request.auth, tip_id=tip_id)
    sos_follow_up_rate_limit(user=request.auth, scope="sos_follow_up")
    tip = services.sos_follow_up(tip=tip, category_code=category, description=description, photos=photos or [])
    return schemas.tip_out(tip, detail=True)


@router.post("/tips/{tip_id}/pings", response={201: schemas.SosPingOut})
def sos_ping_api(request: HttpRequest, tip_id: int, payload: schemas.SosPingIn) -> Status:
    """Where I am now, in the minutes after my one-tap SOS (FUBI_SOS_PING_MINUTES); 409 sos_closed."""
    tip = services.sos_get_for_reporter(user=request.auth, tip_id=tip_id)
    sos_follow_up_rate_limit(user=request.auth, scope="sos_pings")
    ping = services.sos_ping_record(tip=tip, lat=payload.lat, lon=payload.lon, accuracy_m=payload.accuracy_m)
    until = tip.created_at + timedelta(minutes=services.sos_ping_minutes())
    return Status(201, {"id": ping.pk, "received_at": ping.received_at, "pings_until": until})


@router.post("/tips/guest-phone-codes", response={201: schemas.GuestPhoneCodeOut}, auth=None)
def guest_phone_code_api(request: HttpRequest, payload: schemas.GuestPhoneCodeIn) -> Status:
    """Text a one-time code to the number a guest gives with a door-plate report (optional)."""
    guest_phone_code_rate_limit(request)
    sent = services.guest_phone_code_send(phone=payload.phone)
    return Status(
        201,
        {
            "verification_id": sent.verification_id,
            "phone": sent.phone,
            "expires_at": sent.expires_at,
            "resend_after_seconds": sent.resend_after_seconds,
        },
    )


@router.get("/tips/track/{token}", response=schemas.TrackedTipOut, auth=None)
def tracked_tip_api(request: HttpRequest, token: str) -> dict[str, Any]:
    """A guest's report at its secret tracking URL: status, timeline, reward."""
    tip = services.guest_tip_by_token(token)
    if tip is None:
        raise TipNotFoundError(_("No report is followed at this address."))
    return schemas.tracked_tip_out(tip)


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
    """The queue of my grids, and the cases assigned to my agency (a department's queue): SOS first,
    then oldest first; due times and overdue flags."""
    queue = selectors.case_queue(user=request.auth, status=status, category=category, grid=grid, overdue=overdue)
    page = paginate(queue, limit=limit, offset=offset)
    page["items"] = [schemas.case_out(tip) for tip in page["items"]]
    return page


@router.get("/cases/{case_id}")
def case_detail_api(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """One case of my grids or assigned to my agency: photos, timeline, duplicate candidates."""
    tip = department.case_get_for_viewer(user=request.auth, case_id=case_id)
    return schemas.case_detail_out(tip, grid_ids=department.viewer_grid_ids(user=request.auth))


@router.post("/cases/{case_id}/transition")
def case_transition_api(request: HttpRequest, case_id: int, payload: schemas.TransitionIn) -> dict[str, Any]:
    """accept, assign, verify, resolve, reject, mark_duplicate or approve_reward (grid staff);
    report_back or hand_back (staff of the assigned department); 409 invalid_transition, 403 own_tip
    (the actor reported the case or a tip merged into it), 403 four_eyes_required."""
    tip = department.case_get_for_action(user=request.auth, case_id=case_id, action=payload.action)
    if payload.action in department.DEPARTMENT_ACTIONS:
        department.case_department_step(tip=tip, actor=request.auth, action=payload.action, note=payload.note)
        return _case_detail(request, case_id)
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
    return _case_detail(request, tip.id)


def _case_detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """The case as the actor sees it after acting on it. A department that handed it back no longer
    sees it in its queue, but is answered the state its own step left (nothing else is shown: the
    grid's duplicate candidates need grid staff)."""
    try:
        tip = department.case_get_for_viewer(user=request.auth, case_id=case_id)
    except CaseNotFoundError:
        tip = department.case_get_handed_back(user=request.auth, case_id=case_id)
    return schemas.case_detail_out(tip, grid_ids=department.viewer_grid_ids(user=request.auth))


@router.post("/cases/{case_id}/report-back")
def case_report_back_api(
    request: HttpRequest,
    case_id: int,
    note: Form[str] = "",
    photos: File[list[UploadedFile]] = None,
) -> dict[str, Any]:
    """The assigned department reports back (multipart): a note and 0–6 photos, a step the reporter
    sees; the same action as `report_back` of the transition, with photos."""
    tip = department.case_get_for_department(user=request.auth, case_id=case_id)
    department.case_department_step(tip=tip, actor=request.auth, action="report_back", note=note, photos=photos or [])
    return _case_detail(request, case_id)


@router.post("/place-codes/import", response={201: schemas.PlaceCodeImportOut})
def place_code_import_api(request: HttpRequest, file: File[UploadedFile]) -> Status:
    """Import door plates from a CSV (multipart `file`: code,name,lat,lon[,grid_code]), all or nothing:
    422 invalid_rows with details.rows [{line, field, message}] for every bad row; 413 past the size."""
    place_code_import_rate_limit(user=request.auth)
    return Status(201, {"created": services.place_code_import(actor=request.auth, upload=file)})


@router.post("/place-codes/sheets", response={201: schemas.PlaceCodeSheetOut})
def place_code_sheet_request_api(request: HttpRequest, payload: schemas.PlaceCodeSheetIn) -> Status:
    """Ask for the printable PDF of a grid's door plates (grid staff); a background job makes it:
    poll GET /place-codes/sheets/{id} for done of total and the download_url. 404 for another grid."""
    place_code_sheet_rate_limit(user=request.auth)
    sheet = services.place_code_sheet_request(
        actor=request.auth, grid_id=payload.grid_id, base_url=request.build_absolute_uri("/")[:-1]
    )
    sheet.refresh_from_db()  # without a broker the job ran after the commit, before this answer
    return Status(201, schemas.place_code_sheet_out(sheet))


@router.get("/place-codes/sheets/{sheet_id}", response=schemas.PlaceCodeSheetOut)
def place_code_sheet_api(request: HttpRequest, sheet_id: int) -> dict[str, Any]:
    """A PDF plate sheet of my grids: its progress (done of total) and, once done, its download_url."""
    return schemas.place_code_sheet_out(selectors.place_code_sheet_get_for_staff(user=request.auth, sheet_id=sheet_id))
