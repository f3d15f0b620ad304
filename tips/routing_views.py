"""The grid staff's page of routing rules (立码办, desktop): which department handles a category of
their grids' tips, optionally at one door plate. The same rules as the API (tips.routing)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Agency, AgencyKind, Grid
from core.errors import DomainError
from tips import routing, selectors
from tips.errors import NotGridStaffError


def _grid_ids_or_404(request: HttpRequest) -> list[int]:
    try:
        return selectors.staff_grid_ids(user=request.user)
    except NotGridStaffError as exc:
        raise Http404 from exc


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


@login_required
@require_http_methods(["GET", "POST"])
def staff_routing_rules(request: HttpRequest) -> HttpResponse:
    """My grids' rules, and a form to add one; a refused rule shows the page again with the reason."""
    grid_ids = _grid_ids_or_404(request)
    status = 200
    if request.method == "POST":
        try:
            routing.routing_rule_create(
                actor=request.user,
                grid_id=_int(request.POST.get("grid")),
                category_code=request.POST.get("category", ""),
                agency_id=_int(request.POST.get("agency")),
                place_code=(request.POST.get("place_code") or "").strip() or None,
            )
        except DomainError as error:
            messages.error(request, str(error.message))
            status = error.status
        else:
            messages.success(request, _("Routing rule saved: new cases of it go straight to the department."))
            return redirect("tips:staff-routing-rules")
    context = {
        "rules": list(routing.routing_rules_for_staff(user=request.user)),
        "grids": Grid.objects.filter(pk__in=grid_ids).order_by("depth", "name"),
        "categories": selectors.categories_list(),
        "departments": Agency.objects.filter(is_active=True)
        .exclude(kind=AgencyKind.GRID_CENTRE)
        .order_by("kind", "name"),
        "form": request.POST if request.method == "POST" else {},
    }
    return render(request, "tips/staff_routing_rules.html", context, status=status)


@login_required
@require_POST
def staff_routing_rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Remove a rule of my grids (cases already routed keep their department); 404 for any other."""
    _grid_ids_or_404(request)
    try:
        rule = routing.routing_rule_get_for_staff(user=request.user, rule_id=rule_id)
        routing.routing_rule_delete(actor=request.user, rule=rule)
    except DomainError as exc:
        raise Http404 from exc
    messages.success(request, _("Routing rule removed."))
    return redirect("tips:staff-routing-rules")
