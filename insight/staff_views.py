"""The grid centre's page of safety-index editions (desktop): draft an edition for one of their
grids and a half year, change its title and foreword while a draft, publish it (computed and frozen
by a job: the page shows its state), and open the public page and PDF. The rules stay in
insight.services; a refusal shows the page again with its reason."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from insight import selectors, services
from insight.errors import NotGridStaffError
from insight.models import Half


def _int(value: str | None) -> int:
    return int(value) if value and value.lstrip("-").isdigit() else 0


@login_required
@require_http_methods(["GET", "POST"])
def staff_editions(request: HttpRequest) -> HttpResponse:
    """My grids' editions, newest first, and the form that drafts one."""
    try:
        grids = selectors.staff_grids_require(user=request.user)
    except NotGridStaffError as exc:
        raise Http404 from exc
    status = 200
    if request.method == "POST":
        try:
            services.edition_create(
                actor=request.user,
                grid_id=_int(request.POST.get("grid")),
                year=_int(request.POST.get("year")),
                half=_int(request.POST.get("half")),
                title=(request.POST.get("title") or "").strip()[:120],
                foreword=(request.POST.get("foreword") or "").strip()[:2000],
            )
        except DomainError as error:
            messages.error(request, str(error.message))
            status = error.status
        else:
            messages.success(request, _("Draft edition saved: check it, then publish it."))
            return redirect("insight:staff-editions")
    today = timezone.localdate()
    context = {
        "editions": selectors.editions_for_staff(user=request.user).order_by("-year", "-half", "grid__name"),
        "grids": grids,
        "halves": Half.choices,
        "year": today.year,
        "half": 1 if today.month <= 6 else 2,
        "form": request.POST if request.method == "POST" else {},
    }
    return render(request, "insight/staff_editions.html", context, status=status)


@login_required
@require_POST
def staff_edition_publish(request: HttpRequest, edition_id: int) -> HttpResponse:
    """Publish a draft of my grids (it is computed and frozen in the background); 404 for any other."""
    try:
        services.edition_publish(actor=request.user, edition_id=edition_id)
    except NotGridStaffError as exc:
        raise Http404 from exc
    except DomainError as error:
        if error.status == 404:
            raise Http404 from error
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Publishing: the figures are being computed and frozen; this takes a minute."))
    return redirect("insight:staff-editions")
