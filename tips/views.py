"""HTML pages: the citizen's tip form, my tips and a tip's timeline (phone); the staff's case board,
case page and place-code QR sheet (desktop); photos served only after a permission check."""

import base64
import io

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Agency, Grid
from core.errors import DomainError
from core.idempotency import request_user
from tips import schemas, selectors, services
from tips.errors import NotGridStaffError
from tips.models import OPEN_STATES, CaseAction, PlaceCode, TipKind, TipStatus, private_storage


def _parse_float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def tip_new(request: HttpRequest) -> HttpResponse:
    """Report a tip from the phone: category, text, location (GPS, place code), photos."""
    place = None
    code = request.GET.get("place") or request.POST.get("place_code") or ""
    if code:
        place = PlaceCode.objects.select_related("grid").filter(code=code, is_active=True).first()
    form = {
        "category": request.POST.get("category", request.GET.get("category", "")),
        "description": request.POST.get("description", ""),
        "lat": request.POST.get("lat") or (f"{place.lat:.6f}" if place else ""),
        "lon": request.POST.get("lon") or (f"{place.lon:.6f}" if place else ""),
        "anonymous": request.POST.get("anonymous") == "on",
        "kind": request.POST.get("kind", request.GET.get("kind", TipKind.NORMAL)),
    }
    status = 200
    if request.method == "POST":
        try:
            tip = services.tip_submit(
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
        except DomainError as error:
            messages.error(request, str(error.message))
            status = error.status
        else:
            messages.success(
                request,
                _("Thank you: tip %(ref)s was sent to %(grid)s.")
                % {
                    "ref": tip.reference,
                    "grid": tip.grid.name,
                },
            )
            return redirect("tips:detail", tip_id=tip.id)
    context = {"categories": selectors.categories_list(), "place": place, "form": form, "max_photos": 6}
    return render(request, "tips/new.html", context, status=status)


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


def _staff_grid_ids_or_404(request: HttpRequest) -> list[int]:
    try:
        return selectors.staff_grid_ids(user=request.user)
    except NotGridStaffError as exc:
        raise Http404 from exc


@login_required
def staff_cases(request: HttpRequest) -> HttpResponse:
    """The case board: filters by state, category, grid, overdue; SOS first, oldest first."""
    grid_ids = _staff_grid_ids_or_404(request)
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
    cases = [schemas.case_out(tip) for tip in queue[:200]]
    context = {
        "cases": cases,
        "filters": filters,
        "statuses": TipStatus.choices,
        "categories": selectors.categories_list(),
        "grids": Grid.objects.filter(id__in=grid_ids).order_by("depth", "name"),
    }
    return render(request, "tips/staff_cases.html", context)


@login_required
def staff_case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """One case: photos, location, duplicate candidates, timeline and the actions it allows."""
    grid_ids = _staff_grid_ids_or_404(request)
    try:
        tip = selectors.case_get_for_staff(user=request.user, case_id=case_id)
    except DomainError as exc:
        raise Http404 from exc
    case = schemas.case_detail_out(tip, grid_ids=grid_ids)
    buttons = {
        CaseAction.ACCEPT: _("Accept (立案)"),
        CaseAction.ASSIGN: _("Assign (批转)"),
        CaseAction.VERIFY: _("Verify and reward (核实)"),
        CaseAction.RESOLVE: _("Resolve (办结)"),
        CaseAction.REJECT: _("Reject"),
        CaseAction.MARK_DUPLICATE: _("Mark as duplicate of case…"),
    }
    allowed = [
        (action, buttons[action])
        for action, (sources, _target) in services.TRANSITIONS.items()
        if tip.status in sources
    ]
    context = {
        "case": case,
        "allowed": allowed,
        "agencies": Agency.objects.filter(is_active=True).order_by("name"),
        "default_reward": tip.category.default_reward_points,
        "can_merge": tip.status in OPEN_STATES,
    }
    return render(request, "tips/staff_case.html", context)


@login_required
@require_POST
def staff_case_transition(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case page's action buttons post here."""
    _staff_grid_ids_or_404(request)
    try:
        tip = selectors.case_get_for_staff(user=request.user, case_id=case_id)
        primary = None
        if request.POST.get("duplicate_of"):
            primary = selectors.case_get_for_staff(user=request.user, case_id=int(request.POST["duplicate_of"]))
        reward = request.POST.get("reward_points", "")
        assignee = request.POST.get("assignee", "")
        services.case_transition(
            tip=tip,
            actor=request.user,
            action=request.POST.get("action", ""),
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
    grid_ids = _staff_grid_ids_or_404(request)
    if request.method == "POST":
        try:
            lat, lon = _parse_float(request.POST.get("lat")), _parse_float(request.POST.get("lon"))
            code = (request.POST.get("code") or "").strip().lower()
            name = (request.POST.get("name") or "").strip()
            if lat is None or lon is None or not code or not name:
                raise ValueError
            services.place_code_create(code=code, name=name, lat=lat, lon=lon)
        except DomainError as error:
            messages.error(request, str(error.message))
        except ValueError:
            messages.error(request, _("Give a code, a name, lat and lon."))
        else:
            messages.success(request, _("Place code saved."))
        return redirect("tips:staff-place-codes")
    places = PlaceCode.objects.filter(grid_id__in=grid_ids, is_active=True).select_related("grid")
    base = request.build_absolute_uri("/")[:-1]
    sheet = [
        {
            "place": place,
            "url": f"{base}{reverse('tips:new')}?place={place.code}",
            "qr": _qr_svg(f"{base}{reverse('tips:new')}?place={place.code}"),
        }
        for place in places
    ]
    return render(request, "tips/staff_place_codes.html", {"sheet": sheet})


def _photo_response(request: HttpRequest, photo_id: int, *, thumb: bool) -> FileResponse:
    viewer = request_user(request)  # the session cookie, or an app's X-Session-Token
    if viewer is None:
        raise Http404
    try:
        photo = selectors.photo_get_for_viewer(user=viewer, photo_id=photo_id)
    except DomainError as exc:
        raise Http404 from exc
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
