"""HTML pages: the citizen's tip form, my tips and a tip's timeline (phone); the staff's case board,
case page and place-code QR sheet (desktop); photos served only after a permission check."""

import base64
import io
import uuid
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Agency, Grid, User
from core.errors import DomainError, InvalidError
from core.idempotency import request_user
from tips import department, schemas, selectors, services
from tips import photos as photo_checks
from tips.errors import NotGridStaffError, PlaceCodeImportError, PlaceCodeNotFoundError
from tips.models import (
    ACTIVE_STATES,
    OPEN_STATES,
    CaseAction,
    PlaceCode,
    PlaceCodeSheetStatus,
    Tip,
    TipKind,
    TipStatus,
    private_storage,
)
from tips.ratelimits import (
    guest_tip_rate_limit,
    place_code_import_rate_limit,
    place_code_sheet_rate_limit,
    tip_submit_rate_limit,
)

T = TypeVar("T")


def _parse_float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
def tip_new(request: HttpRequest) -> HttpResponse:
    """Report a tip from the phone: category, text, location (GPS, place code), photos. A passer-by
    without an account who scanned a door plate (?place=code) reports as a guest (plate_report)."""
    code = request.GET.get("place") or request.POST.get("place_code") or ""
    if not request.user.is_authenticated:
        if code and request.method == "GET" and PlaceCode.objects.filter(code=code, is_active=True).exists():
            return redirect("tips:plate", code=code)
        return redirect_to_login(request.get_full_path())
    place = None
    if code:
        place = PlaceCode.objects.select_related("grid").filter(code=code, is_active=True).first()
    form = _tip_new_form(request, place=place)
    status, retry_after = 200, None
    sent_by_script = _sent_by_script(request)
    if request.method == "POST":
        try:
            tip = _tip_new_submit(request, form=form, code=code)
        except DomainError as error:
            if sent_by_script:
                return _error_json(error)
            status, retry_after = _form_refused(request, error)
        else:
            messages.success(
                request,
                _("Thank you: tip %(ref)s was sent to %(grid)s.") % {"ref": tip.reference, "grid": tip.grid.name},
            )
            if sent_by_script:  # the page's script shows its own progress, then goes where we say
                url = reverse("tips:detail", kwargs={"tip_id": tip.id})
                return JsonResponse({"id": tip.id, "reference": tip.reference, "redirect": url}, status=201)
            return redirect("tips:detail", tip_id=tip.id)
    return _tip_form_page(request, "tips/new.html", place=place, form=form, status=status, retry_after=retry_after)


def _tip_new_form(request: HttpRequest, *, place: PlaceCode | None) -> dict[str, Any]:
    """The form's values as sent, or as the link and the place code fill them in."""
    return {
        "category": request.POST.get("category", request.GET.get("category", "")),
        "description": request.POST.get("description", ""),
        "lat": request.POST.get("lat") or (f"{place.lat:.6f}" if place else ""),
        "lon": request.POST.get("lon") or (f"{place.lon:.6f}" if place else ""),
        "anonymous": request.POST.get("anonymous") == "on",
        "kind": request.POST.get("kind", request.GET.get("kind", TipKind.NORMAL)),
    }


def _tip_new_submit(request: HttpRequest, *, form: dict[str, Any], code: str) -> Tip:
    tip_submit_rate_limit(request, user=request.user, kind=form["kind"])
    return services.tip_submit(
        reporter=request.user,
        category_code=form["category"],
        description=form["description"],
        lat=_parse_float(form["lat"]),
        lon=_parse_float(form["lon"]),
        anonymous=form["anonymous"],
        place_code=code or None,
        kind=form["kind"] if form["kind"] in TipKind.values else TipKind.NORMAL,
        photos=request.FILES.getlist("photos"),
    )


def _form_refused(request: HttpRequest, error: DomainError) -> tuple[int, int | None]:
    """A tip form the services refused: its message on the page again; (status, Retry-After)."""
    messages.error(request, str(error.message))
    return error.status, getattr(error, "retry_after", None)


def _sent_by_script(request: HttpRequest) -> bool:
    """static/js/tips-new.js sends the form itself (to show its progress) and asks for JSON back."""
    return request.headers.get("Accept", "").startswith("application/json")


def _tip_form_page(
    request: HttpRequest,
    template: str,
    *,
    place: PlaceCode | None,
    form: dict[str, Any],
    status: int,
    retry_after: int | None,
) -> HttpResponse:
    """A tip form (the citizen's or a door plate's), with the photo limits its script checks."""
    context = {
        "categories": selectors.categories_list(),
        "place": place,
        "form": form,
        "max_photos": photo_checks.MAX_PHOTOS,
        "max_photo_bytes": photo_checks.max_photo_bytes(),
        "max_photo_pixels": photo_checks.max_photo_pixels(),
    }
    response = render(request, template, context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@require_http_methods(["GET", "POST"])
def plate_report(request: HttpRequest, code: str) -> HttpResponse:
    """A door plate's page (立码办): anyone reports here without an account; the place fills itself,
    a phone number is optional (proven by SMS code); the guest is sent to the case's tracking page.
    A signed-in citizen gets the ordinary form at this place."""
    place = PlaceCode.objects.select_related("grid").filter(code=code, is_active=True).first()
    if place is None:
        raise Http404
    if request.user.is_authenticated:
        return redirect(f"{reverse('tips:new')}?{urlencode({'place': place.code})}")
    form = {
        "category": request.POST.get("category", ""),
        "description": request.POST.get("description", ""),
        "phone_verification_id": request.POST.get("phone_verification_id", ""),
    }
    status, retry_after = 200, None
    sent_by_script = _sent_by_script(request)
    if request.method == "POST":
        try:
            tip = _plate_report_submit(request, place=place, form=form)
        except DomainError as error:
            if sent_by_script:
                return _error_json(error)
            status, retry_after = _form_refused(request, error)
        else:
            url = reverse("tips:track", kwargs={"token": tip.track_token})
            if sent_by_script:
                return JsonResponse({"reference": tip.reference, "redirect": url}, status=201)
            return redirect(url)
    return _tip_form_page(request, "tips/plate.html", place=place, form=form, status=status, retry_after=retry_after)


def _plate_report_submit(request: HttpRequest, *, place: PlaceCode, form: dict) -> Tip:
    guest_tip_rate_limit(request, place_code=place.code)
    verification = form["phone_verification_id"]
    return services.guest_tip_submit(
        place_code=place.code,
        category_code=form["category"],
        description=form["description"],
        photos=request.FILES.getlist("photos"),
        phone_verification_id=int(verification) if verification.isdigit() else None,
        phone_code=request.POST.get("phone_code", ""),
    )


def _error_json(error: DomainError) -> JsonResponse:
    response = JsonResponse(
        {"code": error.code, "message": str(error.message), "details": error.details}, status=error.status
    )
    if getattr(error, "retry_after", None) is not None:
        response["Retry-After"] = str(error.retry_after)
    return response


def tip_track(request: HttpRequest, token: str) -> HttpResponse:
    """A guest's case at its secret tracking URL (no account): status, timeline, reward."""
    tip = services.guest_tip_by_token(token)
    if tip is None:
        raise Http404
    response = render(request, "tips/track.html", {"tip": schemas.tracked_tip_out(tip)})
    response["Referrer-Policy"] = "no-referrer"  # the URL is the guest's key: never pass it on
    return response


@login_required
def my_tips(request: HttpRequest) -> HttpResponse:
    """My tips, newest first."""
    tips = selectors.tips_of_reporter(user=request.user)[:100]
    return render(request, "tips/mine.html", {"tips": tips})


@login_required
def tip_detail(request: HttpRequest, tip_id: int) -> HttpResponse:
    """One of my tips with its timeline and reward."""
    try:
        tip = selectors.tip_get_for_reporter(user=request.user, tip_id=tip_id)
    except DomainError as exc:
        raise Http404 from exc
    return render(request, "tips/detail.html", {"tip": schemas.tip_out(tip, detail=True)})


CASES_PER_PAGE = 50


def _staff_grid_ids_or_404(request: HttpRequest) -> list[int]:
    try:
        return selectors.staff_grid_ids(user=request.user)
    except NotGridStaffError as exc:
        raise Http404 from exc


def _case_viewer_grid_ids_or_404(request: HttpRequest) -> list[int]:
    """Grid staff: their grids; a department's staff (agency staff): [] (they see the cases assigned
    to their agency, tips.department); 404 for everyone else."""
    try:
        department.case_scope(user=request.user)
    except NotGridStaffError as exc:
        raise Http404 from exc
    return department.viewer_grid_ids(user=request.user)


@login_required
def staff_cases(request: HttpRequest) -> HttpResponse:
    """The case board: filters by state, category, grid, overdue; SOS first, oldest first. A
    department's staff see the cases assigned to their agency."""
    grid_ids = _case_viewer_grid_ids_or_404(request)
    overdue_param = request.GET.get("overdue", "")
    filters = {
        "status": request.GET.get("status", ""),
        "category": request.GET.get("category", ""),
        "grid": request.GET.get("grid", ""),
        "overdue": overdue_param,
    }
    queue = selectors.case_queue(
        user=request.user,
        status=filters["status"] or None,
        category=filters["category"] or None,
        grid=filters["grid"] or None,
        overdue=True if overdue_param == "1" else None,
    )
    # A page at a time, with the count: the board used to stop silently at 200 cases.
    page = Paginator(queue, CASES_PER_PAGE).get_page(request.GET.get("page"))
    cases = [schemas.case_out(tip) for tip in page.object_list]
    context = {
        "cases": cases,
        "page": page,
        "filters_query": urlencode({name: value for name, value in filters.items() if value}),
        "filters": filters,
        "statuses": TipStatus.choices,
        "categories": selectors.categories_list(),
        "grids": Grid.objects.filter(id__in=grid_ids).order_by("depth", "name"),
        "is_grid_staff": bool(grid_ids),
    }
    return render(request, "tips/staff_cases.html", context)


@login_required
def staff_case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """One case: photos, location, duplicate candidates, timeline and the actions it allows (a
    department's staff: report back, hand back)."""
    grid_ids = _case_viewer_grid_ids_or_404(request)
    try:
        tip = department.case_get_for_viewer(user=request.user, case_id=case_id)
    except DomainError as exc:
        raise Http404 from exc
    case = schemas.case_detail_out(tip, grid_ids=grid_ids)
    buttons = {
        # the Chinese terms (立案, 批转, 核实, 办结) are the Chinese page's words, not the English one's
        CaseAction.ACCEPT: pgettext("case action button", "Accept"),
        CaseAction.ASSIGN: pgettext("case action button", "Assign"),
        CaseAction.VERIFY: pgettext("case action button", "Verify and reward"),
        CaseAction.RESOLVE: pgettext("case action button", "Resolve"),
        CaseAction.REJECT: _("Reject"),
        CaseAction.MARK_DUPLICATE: _("Mark as duplicate of case…"),
    }
    # Staff see their own case (it is in their queue) but are offered no action on it: the service
    # would answer own_tip. Only they are told, so nobody else learns who reported it.
    own_case = selectors.case_reported_by(cases=[tip], user=request.user)
    is_grid_staff = tip.grid_id in grid_ids
    allowed = [
        (action, buttons[action])
        for action, (sources, _target) in services.TRANSITIONS.items()
        if tip.status in sources and not own_case and is_grid_staff and action in buttons
    ]
    # The assigned department's own steps (tips.department): report back (note, photos), hand back.
    department_actions = (
        tip.status == TipStatus.ASSIGNED
        and not own_case
        and department.user_is_case_department(user=request.user, tip=tip)
    )
    context = {
        "case": case,
        "allowed": allowed,
        "own_case": own_case,
        "can_approve_reward": (
            tip.reward_awaiting_approval and not own_case and tip.reward_requested_by_id != request.user.pk
        ),
        "agencies": Agency.objects.filter(is_active=True).order_by("name"),
        "default_reward": tip.category.default_reward_points,
        "can_merge": tip.status in OPEN_STATES and not own_case and is_grid_staff,
        "department_actions": department_actions,
        "is_grid_staff": is_grid_staff,
        # operations: staff of the case's grid send the nearest on-call volunteers (the API checks again)
        "can_dispatch": is_grid_staff and not own_case and tip.status in ACTIVE_STATES,
        "dispatch_key": f"case-dispatch:{tip.pk}:{uuid.uuid4().hex}",
        # the outline of the case's grid on its map (static/js/fubi-maps.js)
        "map_grids": [{"name": tip.grid.name, "boundary": tip.grid.boundary}],
    }
    return render(request, "tips/staff_case.html", context)


@login_required
@require_POST
def staff_case_transition(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case page's action buttons post here (a department's report back with its photos too)."""
    action = request.POST.get("action", "")
    if action in department.DEPARTMENT_ACTIONS:
        _case_viewer_grid_ids_or_404(request)
    else:
        _staff_grid_ids_or_404(request)
    try:
        if action in department.DEPARTMENT_ACTIONS:
            tip = department.case_get_for_department(user=request.user, case_id=case_id)
            department.case_department_step(
                tip=tip,
                actor=request.user,
                action=action,
                note=request.POST.get("note", ""),
                photos=request.FILES.getlist("photos"),
            )
            messages.success(request, _("Done."))
            if action == CaseAction.HAND_BACK:  # no longer the department's case
                return redirect("tips:staff-cases")
            return redirect("tips:staff-case", case_id=case_id)
        tip = selectors.case_get_for_staff(user=request.user, case_id=case_id)
        primary = None
        if request.POST.get("duplicate_of"):
            primary = selectors.case_get_for_staff(user=request.user, case_id=int(request.POST["duplicate_of"]))
        reward = request.POST.get("reward_points", "")
        assignee = request.POST.get("assignee", "")
        services.case_transition(
            tip=tip,
            actor=request.user,
            action=action,
            note=request.POST.get("note", ""),
            assignee_id=int(assignee) if assignee.isdigit() else None,
            duplicate_of=primary,
            reward_points=int(reward) if reward.isdigit() else None,
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    except ValueError:
        messages.error(request, _("Some values are invalid."))
    else:
        messages.success(request, _("Done."))
    return redirect("tips:staff-case", case_id=case_id)


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


@login_required
@require_http_methods(["GET", "POST"])
def staff_place_codes(request: HttpRequest) -> HttpResponse:
    """A printable sheet of QR door plates for the places of my grids; add a place."""
    _staff_grid_ids_or_404(request)
    status = 200
    if request.method == "POST":
        lat, lon = _parse_float(request.POST.get("lat")), _parse_float(request.POST.get("lon"))
        code = (request.POST.get("code") or "").strip().lower()
        name = (request.POST.get("name") or "").strip()
        try:
            if lat is None or lon is None or not code or not name:
                raise InvalidError(_("Give a code, a name, lat and lon."))
            _place_code_save(request.user, code=code, name=name, lat=lat, lon=lon)
        except DomainError as error:
            # Refused: the page again with the reason and the refusal's status (409 for a code that
            # is taken, by another grid too; 422 for a bad code, name or point). Nothing changed.
            messages.error(request, str(error.message))
            status = error.status
        else:
            messages.success(request, _("Place code saved."))
            return redirect("tips:staff-place-codes")
    return _place_codes_page(request, status=status)


PLACE_CODES_PER_PAGE = 60  # a page of the on-screen sheet: a grid may have tens of thousands of plates


def _place_codes_page(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    """The place-code page: a page of the printable QR sheet, the CSV import and its bad-row report."""
    places = selectors.place_codes_for_staff(user=request.user).filter(is_active=True).order_by("grid", "name", "id")
    page = Paginator(places, PLACE_CODES_PER_PAGE).get_page(request.GET.get("page"))
    grid_ids = selectors.staff_grid_ids(user=request.user)
    pdf_sheets = selectors.place_code_sheets_for_staff(user=request.user)[:10]
    sheet = []
    for place in page:
        url = selectors.place_code_url(code=place.code)
        sheet.append({"place": place, "url": url, "qr": _qr_svg(url)})
    context = {
        "sheet": sheet,
        "page": page,
        "sheet_grids": Grid.objects.filter(id__in=grid_ids).order_by("depth", "name"),
        "pdf_sheets": [schemas.place_code_sheet_out(item) for item in pdf_sheets],
        "import_max_mb": settings.FUBI_PLACE_CODE_IMPORT_MAX_BYTES // (1024 * 1024),
        **extra,
    }
    return render(request, "tips/staff_place_codes.html", context, status=status)


@login_required
@require_POST
def staff_place_code_import(request: HttpRequest) -> HttpResponse:
    """Import door plates from a CSV file (all or nothing); the page again with every bad row."""
    _staff_grid_ids_or_404(request)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise InvalidError(_("Choose a CSV file to import."), field="file")
        place_code_import_rate_limit(user=request.user)
        created = services.place_code_import(actor=request.user, upload=upload)
    except PlaceCodeImportError as error:
        messages.error(request, str(error.message))
        return _place_codes_page(request, status=error.status, import_report=error.details["rows"])
    except DomainError as error:
        messages.error(request, str(error.message))
        return _place_codes_page(request, status=error.status)
    messages.success(
        request, ngettext("%(n)d door plate imported.", "%(n)d door plates imported.", created) % {"n": created}
    )
    return redirect("tips:staff-place-codes")


@login_required
@require_POST
def staff_place_code_sheet_request(request: HttpRequest) -> HttpResponse:
    """Ask for a grid's printable PDF of door plates; the page shows its progress bar."""
    _staff_grid_ids_or_404(request)
    try:
        place_code_sheet_rate_limit(user=request.user)
        services.place_code_sheet_request(
            actor=request.user,
            grid_id=int(grid) if (grid := request.POST.get("grid") or "").isdigit() else 0,
            base_url=request.build_absolute_uri("/")[:-1],
        )
    except DomainError as error:
        messages.error(request, str(error.message))
        return _place_codes_page(request, status=error.status)
    messages.info(request, _("The PDF sheet is being made."))
    return redirect(reverse("tips:staff-place-codes") + "#sheets")


def staff_place_code_sheet_pdf(request: HttpRequest, sheet_id: int) -> FileResponse:
    """A finished PDF plate sheet, for staff of its grid (or a grid above) only: 404 for anyone else."""
    sheet = _private_get_or_404(
        request, lambda viewer: selectors.place_code_sheet_get_for_staff(user=viewer, sheet_id=sheet_id)
    )
    if sheet.status != PlaceCodeSheetStatus.DONE or not sheet.file:
        raise Http404
    response = FileResponse(
        private_storage.open(sheet.file.name, "rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"door-plates-{sheet.grid.code}-{sheet.pk}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _place_code_save(user: User, *, code: str, name: str, lat: float, lon: float) -> PlaceCode:
    """The form saves a code: a code of my grids is renamed, moved or brought back; any other is new
    (and refused 409 when another grid has it: the form never changes another grid's code)."""
    try:
        place = selectors.place_code_get_for_staff(user=user, code=code)
    except PlaceCodeNotFoundError:
        return services.place_code_create(actor=user, code=code, name=name, lat=lat, lon=lon)
    return services.place_code_update(actor=user, place=place, name=name, lat=lat, lon=lon, is_active=True)


def _private_get_or_404(request: HttpRequest, get: Callable[[User], T]) -> T:
    """What `get` answers for the viewer (the session cookie, or an app's X-Session-Token) of a
    private file; 404 for an anonymous visitor and for whatever `get` refuses."""
    viewer = request_user(request)
    if viewer is None:
        raise Http404
    try:
        return get(viewer)
    except DomainError as exc:
        raise Http404 from exc


def _photo_response(request: HttpRequest, photo_id: int, *, thumb: bool) -> FileResponse:
    photo = _private_get_or_404(request, lambda viewer: selectors.photo_get_for_viewer(user=viewer, photo_id=photo_id))
    name = photo.thumbnail.name if thumb and photo.thumbnail else photo.image.name
    response = FileResponse(private_storage.open(name, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def photo(request: HttpRequest, photo_id: int) -> FileResponse:
    """A tip photo, for its reporter and the staff of its grid only."""
    return _photo_response(request, photo_id, thumb=False)


def photo_thumb(request: HttpRequest, photo_id: int) -> FileResponse:
    return _photo_response(request, photo_id, thumb=True)
