"""Staff pages of standing rotas (desktop): the agency's rotas with a form, and the week's coverage.

They write through the JSON API (static/js/tasks_app-rotas.js, tasks_app-actions.js).
"""

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR

from accounts.models import Agency, Grid
from core.errors import ForbiddenError
from tasks_app import selectors
from tasks_app.models import Category, ShiftKind

# ISO weekdays (1 Monday … 7 Sunday) with Django's own translated abbreviations
WEEKDAYS = [(day + 1, label) for day, label in sorted(WEEKDAYS_ABBR.items())]


@login_required
def staff_rotas_page(request: HttpRequest) -> HttpResponse:
    """The agency's rotas (with why one stopped making shifts) and the form for a new one."""
    try:
        agency_ids = selectors.staff_agency_ids(user=request.user)
    except ForbiddenError:
        return render(request, "tasks_app/forbidden.html", status=403)
    context = {
        "rotas": list(selectors.rotas_for_staff(user=request.user)),
        "agencies": list(Agency.objects.filter(pk__in=agency_ids).order_by("name")),
        "teams": list(selectors.teams_visible(user=request.user).filter(agency_id__in=agency_ids)),
        "categories": Category.choices,
        "shift_kinds": ShiftKind.choices,
        "default_hours": {"day": ("08:00", "16:00"), "evening": ("16:00", "22:00"), "night": ("22:00", "06:00")},
        "today": timezone.localdate(),
        "weekdays": WEEKDAYS,
        "weekday_labels": dict(WEEKDAYS),
    }
    return render(request, "tasks_app/staff_rotas.html", context)


def _week_of(value: str | None) -> date:
    try:
        day = date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    return day - timedelta(days=day.weekday())


@login_required
def staff_coverage_page(request: HttpRequest) -> HttpResponse:
    """Shifts × days of one week, places taken / headcount, unfilled shifts highlighted."""
    try:
        selectors.staff_agency_ids(user=request.user)
    except ForbiddenError:
        return render(request, "tasks_app/forbidden.html", status=403)
    week = _week_of(request.GET.get("week"))
    grid_id = request.GET.get("grid")
    grid_id = int(grid_id) if grid_id and grid_id.isdigit() else None
    coverage = selectors.rota_coverage(user=request.user, week_start=week, grid_id=grid_id)
    grid_ids = set(selectors.rotas_for_staff(user=request.user).values_list("grid_id", flat=True))
    context = {
        "coverage": coverage,
        "grids": list(Grid.objects.filter(pk__in=grid_ids - {None}).order_by("name")),
        "grid_id": grid_id,
        "previous": (week - timedelta(days=7)).isoformat(),
        "next": (week + timedelta(days=7)).isoformat(),
        "shift_labels": dict(ShiftKind.choices),
    }
    return render(request, "tasks_app/staff_coverage.html", context)
