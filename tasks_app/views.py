"""HTML pages of the tasks app: citizens' phone pages and the agency's desktop pages.

Citizen pages call the JSON API from small scripts (session cookie + CSRF header); the agency's
pages post plain forms that call the same services.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Agency, Grid
from accounts.selectors import grid_innermost_containing
from core.errors import DomainError, ForbiddenError
from core.places import known_places
from core.redirects import safe_next_url
from ledger import selectors as ledger_selectors
from tasks_app import selectors, services
from tasks_app.claim_outlook import claim_outlook, waiting_reason_text
from tasks_app.forms import TaskForm
from tasks_app.models import (
    LIVE_CLAIM_STATUSES,
    Category,
    CheckInFlag,
    CheckInKind,
    Claim,
    ClaimStatus,
    Task,
    VolunteerStatus,
)
from tasks_app.services.checkins import CHECKIN_OPENS_BEFORE


def task_list_page(request: HttpRequest) -> HttpResponse:
    """Nearby tasks: rendered around the district centre, refreshed by the phone's position."""
    lat, lon = settings.FUBI_DISTRICT_CENTER
    tasks = list(selectors.task_list_nearby(lat=lat, lon=lon, radius_km=5)[:50])
    count, count_exact = selectors.task_count_nearby(lat=lat, lon=lon, radius_km=5)
    return render(
        request,
        "tasks_app/task_list.html",
        {
            "tasks": tasks,
            "count_shown": count if count_exact else f"{count}+",
            "categories": Category.choices,
            "category_labels": dict(Category.choices),
            "center": (lat, lon),
            "for_me": list(selectors.tasks_for_my_audiences(user=request.user)[:50])
            if request.user.is_authenticated
            else [],
        },
    )


def _map_grids(task: Task) -> list[dict]:
    """The grid outlines a task's map draws (fubi-maps.js): the innermost grid holding the meeting point
    and the task's audience grid when it has one, WGS84 rings of [lon, lat]."""
    if task.lat is None:  # an online task: no map
        return []
    found: list[Grid | None] = [grid_innermost_containing(lat=task.lat, lon=task.lon)]
    if task.grid_id is not None:
        found.append(task.grid)
    unique = {grid.id: grid for grid in found if grid is not None}
    return [{"name": grid.name, "boundary": grid.boundary} for grid in unique.values()]


def task_detail_page(request: HttpRequest, task_id: int) -> HttpResponse:
    """One task with its map and the claim button."""
    try:
        task = selectors.task_get_public(task_id=task_id, user=request.user)
    except DomainError:
        return render(request, "tasks_app/not_found.html", status=404)
    claim = None
    if request.user.is_authenticated:
        claim = Claim.objects.filter(task=task, user=request.user).exclude(status=ClaimStatus.CANCELLED).first()
    if claim is not None:
        claim.task = task
        _attach_outlook(claim)
    checkin_open = timezone.now() >= task.starts_at - CHECKIN_OPENS_BEFORE
    context = {"task": task, "claim": claim, "checkin_open": checkin_open, "map_grids": _map_grids(task)}
    return render(request, "tasks_app/task_detail.html", context)


def _attach_outlook(claim: Claim) -> Claim:
    """What comes next for the claim (claim_outlook), and why its points wait, for the templates."""
    claim.outlook = claim_outlook(claim=claim)
    claim.waiting_text = waiting_reason_text(claim.outlook.waiting_reason)
    return claim


@login_required
def task_onsite_page(request: HttpRequest, task_id: int) -> HttpResponse:
    """On site: live distance to the meeting point, check in and out with the phone's GPS."""
    claim = (
        Claim.objects.select_related("task")
        .filter(task_id=task_id, user=request.user)
        .exclude(status=ClaimStatus.CANCELLED)
        .first()
    )
    if claim is None:
        messages.error(request, _("Claim a place on this task first."))
        return redirect("tasks_app:detail", task_id=task_id)
    if claim.task.lat is None:  # an online task has no site: its proof is sent from the task's page
        return redirect("tasks_app:detail", task_id=task_id)
    _attach_outlook(claim)
    context = {
        "claim": claim,
        "task": claim.task,
        "status_labels": dict(ClaimStatus.choices),
        "map_grids": _map_grids(claim.task),
    }
    return render(request, "tasks_app/onsite.html", context)


@login_required
def my_tasks_page(request: HttpRequest) -> HttpResponse:
    """My claims, live ones first."""
    claims = list(selectors.claim_list_for_user(user=request.user)[:100])
    live = [_attach_outlook(c) for c in claims if c.status in LIVE_CLAIM_STATUSES]
    done = [c for c in claims if c.status not in LIVE_CLAIM_STATUSES]
    return render(request, "tasks_app/my_tasks.html", {"live": live, "done": done})


@login_required
def on_call_page(request: HttpRequest) -> HttpResponse:
    """Urgent dispatch for volunteers: go on call (sharing position) and answer offers."""
    status = VolunteerStatus.objects.filter(user=request.user).first()
    offers = list(selectors.offer_list_for_user(user=request.user)[:20])
    return render(request, "tasks_app/on_call.html", {"on_call": bool(status and status.on_call), "offers": offers})


def _staff_agencies(request: HttpRequest) -> list[Agency]:
    ids = selectors.staff_agency_ids(user=request.user)
    return list(Agency.objects.filter(pk__in=ids))


@login_required
def staff_task_list_page(request: HttpRequest) -> HttpResponse:
    """The agency's tasks, and the form to post a new one."""
    try:
        agencies = _staff_agencies(request)
    except ForbiddenError:
        return render(request, "tasks_app/forbidden.html", status=403)
    form = TaskForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        agency = next(a for a in agencies if a.id == data.pop("agency"))
        publish = data.pop("publish")
        try:
            task = services.task_create(agency=agency, created_by=request.user, **data)
            if publish:
                services.task_publish(task=task, user=request.user)
        except DomainError as error:
            form.add_error(
                error.details.get("field") if error.details.get("field") in form.fields else None, str(error.message)
            )
        else:
            messages.success(request, _("Task saved."))
            return redirect("tasks_app:staff_detail", task_id=task.id)
    tasks = list(selectors.tasks_for_agency(user=request.user)[:200])
    context = {
        "form": form,
        "tasks": tasks,
        "agencies": agencies,
        "categories": Category.choices,
        "teams": list(selectors.teams_visible(user=request.user).filter(agency_id__in=[a.id for a in agencies])),
        # the form's map search (offline, no geocoder) and what publishing will hold of each budget
        "known_places": known_places(),
        "budgets": {agency.id: ledger_selectors.agency_wallet(agency=agency)["available"] for agency in agencies},
        "geocoder_url": settings.FUBI_GEOCODER_URL,
    }
    return render(request, "tasks_app/staff_task_list.html", context)


@login_required
def staff_task_detail_page(request: HttpRequest, task_id: int) -> HttpResponse:
    """A task's claims and check-ins on a map with their flags; approve or reject."""
    try:
        task = selectors.task_get_for_staff(user=request.user, task_id=task_id)
    except ForbiddenError:
        return render(request, "tasks_app/forbidden.html", status=403)
    except DomainError:
        return render(request, "tasks_app/not_found.html", status=404)
    claims = list(selectors.claims_for_task(task=task))
    fixes = [
        {
            "claim": claim.id,
            "name": claim.user.shown_name,
            "kind": checkin.kind,
            "lat": checkin.lat,
            "lon": checkin.lon,
            "accuracy_m": checkin.accuracy_m,
            "accepted": checkin.accepted,
            "corrected": checkin.corrected,
            "flags": checkin.flags,
            "at": checkin.received_at.isoformat(),
        }
        for claim in claims
        for checkin in claim.checkins.all()
    ]
    for claim in claims:
        # Refused taps the citizen corrected are evidence (greyed), not red flags against them.
        checkins = claim.checkins.all()
        codes = sorted({flag for checkin in checkins if not checkin.corrected for flag in checkin.flags})
        claim.all_flags = [(code, CheckInFlag(code).label if code in CheckInFlag.values else code) for code in codes]
        corrected = sorted({flag for checkin in checkins if checkin.corrected for flag in checkin.flags})
        claim.corrected_flags = [
            (code, CheckInFlag(code).label if code in CheckInFlag.values else code) for code in corrected
        ]
        claim.conflicts = selectors.claim_conflicts(claim=claim)  # why: the other task, both fixes, the speed
        claim.new_account = selectors.claimant_is_new(claim=claim)
    site = {
        "task_id": task.id,
        "lat": task.lat,
        "lon": task.lon,
        "radius_m": task.radius_m,
        "time_zone": settings.TIME_ZONE,  # popups tell a fix's time on the city's clock
        "kinds": {code: str(label) for code, label in CheckInKind.choices},
        "flags": {code: str(label) for code, label in CheckInFlag.choices},
    }
    offers = list(task.offers.select_related("user").order_by("round", "distance_m", "id"))
    context = {"task": task, "claims": claims, "fixes": fixes, "site": site, "offers": offers}
    context["max_travel_kmh"] = settings.FUBI_MAX_TRAVEL_KMH
    context["map_grids"] = _map_grids(task)
    return render(request, "tasks_app/staff_task_detail.html", context)


def _staff_action(request: HttpRequest, action: str, object_id: int) -> HttpResponse:
    try:
        if action == "dispatch":
            task = selectors.task_get_for_staff(user=request.user, task_id=object_id)
            offers = services.task_dispatch(task=task)
            messages.info(request, _("Offered to %(n)d on-call volunteers.") % {"n": len(offers)})
            return redirect(f"/staff/tasks/{task.id}/")
        if action in ("publish", "cancel"):
            task = selectors.task_get_for_staff(user=request.user, task_id=object_id)
            getattr(services, f"task_{action}")(task=task, user=request.user)
            target = task.id
        else:
            claim = selectors.claim_get_for_staff(user=request.user, claim_id=object_id)
            if action == "approve":
                services.claim_approve(claim=claim, user=request.user)
            else:
                services.claim_reject(claim=claim, user=request.user, reason=request.POST.get("reason", ""))
            target = claim.task_id
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(safe_next_url(request, request.POST.get("next"), default=reverse("tasks_app:staff_list")))
    messages.success(request, _("Done."))
    return redirect(safe_next_url(request, request.POST.get("next"), default=f"/staff/tasks/{target}/"))


@login_required
@require_POST
def staff_task_publish(request: HttpRequest, task_id: int) -> HttpResponse:
    return _staff_action(request, "publish", task_id)


@login_required
@require_POST
def staff_task_cancel(request: HttpRequest, task_id: int) -> HttpResponse:
    return _staff_action(request, "cancel", task_id)


@login_required
@require_POST
def staff_task_dispatch(request: HttpRequest, task_id: int) -> HttpResponse:
    return _staff_action(request, "dispatch", task_id)


@login_required
@require_POST
def staff_claim_approve(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _staff_action(request, "approve", claim_id)


@login_required
@require_POST
def staff_claim_reject(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _staff_action(request, "reject", claim_id)
