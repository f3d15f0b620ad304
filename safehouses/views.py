"""Pages of the safe-house app: the public map and list (phone-first), the guard's duty page
(answering roll calls) and the station's page (its safe houses, shifts and missed roll calls)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import User
from core.errors import DomainError
from safehouses import selectors, services
from safehouses.forms import SafeHouseForm, ShiftForm
from safehouses.models import SafeHouse

PAGE_RADIUS_KM = 5.0


def safe_house_map_page(request: HttpRequest) -> HttpResponse:
    """Safe houses nearest first with "open now", and a map (anyone). The list is first rendered
    around the district centre; the page's script asks the phone where it is and reloads it."""
    lat, lon = settings.FUBI_DISTRICT_CENTER
    houses = selectors.safe_houses_nearby(lat=lat, lon=lon, radius_km=PAGE_RADIUS_KM)
    return render(request, "safehouses/map.html", {"houses": houses, "center": (lat, lon), "radius_km": PAGE_RADIUS_KM})


@login_required
def duty_page(request: HttpRequest) -> HttpResponse:
    """The guard's roll calls: the open ones to answer with a photo and the phone's position."""
    roll_calls = list(selectors.roll_calls_for_guard(user=request.user)[:20])
    now = timezone.now()
    return render(
        request,
        "safehouses/duty.html",
        {
            "roll_calls": roll_calls,
            "open_ids": [r.id for r in roll_calls if r.status == "asked" and r.due_at and r.due_at > now],
        },
    )


def _station_or_none(request: HttpRequest):
    agency_id = request.GET.get("agency_id") or request.POST.get("agency_id")
    try:
        return selectors.station_for_staff(
            user=request.user, agency_id=int(agency_id) if agency_id and agency_id.isdigit() else None
        )
    except DomainError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def station_page(request: HttpRequest) -> HttpResponse:
    """A station's safe houses, their shifts around today, the missed roll calls, and the forms that
    add a safe house and put a guard on duty (staff of it; 403 page for anyone else)."""
    agency = _station_or_none(request)
    if agency is None:
        return render(request, "safehouses/forbidden.html", status=403)
    houses = list(selectors.station_safe_houses(agency=agency))
    guards = list(User.objects.filter(agency_memberships__agency=agency, is_active=True).order_by("display_name", "id"))
    house_form = SafeHouseForm(request.POST if request.POST.get("form") == "house" else None)
    shift_form = ShiftForm(request.POST if request.POST.get("form") == "shift" else None, houses=houses, guards=guards)
    status = 200
    if request.method == "POST":
        done, status = _station_form_save(request, agency=agency, house_form=house_form, shift_form=shift_form)
        if done:  # back to the same station's page (staff of several stations named it)
            named = request.GET.get("agency_id") or request.POST.get("agency_id")
            return redirect(reverse("safehouses:station") + (f"?agency_id={agency.id}" if named else ""))
    now = timezone.now()
    for house in houses:
        house.open_now = selectors.safe_house_is_open(safe_house=house, at=now)
    context = {
        "agency": agency,
        "houses": houses,
        "shifts": list(selectors.station_shifts(agency=agency, now=now)),
        "missed": list(selectors.station_missed_roll_calls(agency=agency, now=now)[:100]),
        "house_form": house_form,
        "shift_form": shift_form,
    }
    return render(request, "safehouses/station.html", context, status=status)


def _station_form_save(request: HttpRequest, *, agency, house_form: SafeHouseForm, shift_form: ShiftForm):
    """(saved, status): the posted form's house or shift through the services; 422 when refused."""
    form = house_form if request.POST.get("form") == "house" else shift_form
    if not form.is_valid():
        return False, 422
    try:
        if form is house_form:
            services.safe_house_create(agency=agency, hours=form.hours(), **form.registry_fields())
            messages.success(request, _("Safe house added."))
        else:
            data = form.cleaned_data
            house = SafeHouse.objects.get(pk=data["safe_house"], agency=agency)
            services.shift_create(
                safe_house=house,
                guard_id=data["guard"],
                kind=data["kind"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                roll_call_count=data["roll_call_count"],
            )
            messages.success(request, _("Shift added."))
    except DomainError as error:
        form.add_error(None, str(error.message))
        return False, error.status
    return True, 200
