"""Pages of the community app: my groups and requests and a group's page (phone-first, the page's
script reads and writes through the API and listens to the live stream); the staff's desktop pages:
the requests inbox with their clocks, the duty roster, broadcasting, the moderation queue and the
numbers with their CSV. Photos are served only to the group's readers."""

import csv
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Agency, AgencyKind, User
from community import numbers, selectors, services
from community.models import Broadcast, DeskShift, Group, GroupKind, RequestStatus, group_photo_storage
from core.errors import DomainError, ForbiddenError
from core.idempotency import request_user

ROSTER_DAYS = 7


def photo(request: HttpRequest, photo_id: int) -> FileResponse:
    """A post's photo, for the group's members, officers and duty desk only (404 to anyone else)."""
    viewer = request_user(request)  # the session cookie, or an app's X-Session-Token
    if viewer is None:
        raise Http404
    try:
        found = selectors.photo_for_reader(user=viewer, photo_id=photo_id)
    except DomainError as exc:
        raise Http404 from exc
    response = FileResponse(group_photo_storage.open(found.image.name, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def my_groups_page(request: HttpRequest) -> HttpResponse:
    """My groups and my requests with their clocks (phone); a resident in no community group yet
    picks the group of the community they live in (one at a time)."""
    groups = selectors.groups_for_user(user=request.user)
    mine = selectors.requests_for_user(user=request.user).filter(poster=request.user)[:50]
    in_community = any(group.kind == GroupKind.COMMUNITY and role == "member" for group, role in groups)
    joinable = (
        []
        if in_community
        else list(Group.objects.filter(kind=GroupKind.COMMUNITY, is_active=True).order_by("name")[:500])
    )
    context = {"groups": groups, "my_requests": mine, "joinable": joinable}
    return render(request, "community/my_groups.html", context)


@login_required
@require_POST
def group_join_page(request: HttpRequest) -> HttpResponse:
    """Join the group of my community from /groups/ (the rules of POST /groups/{id}/join)."""
    group_id = request.POST.get("group") or ""
    group = (
        Group.objects.filter(pk=int(group_id), kind=GroupKind.COMMUNITY, is_active=True).first()
        if group_id.isdigit()
        else None
    )
    if group is None:
        raise Http404
    try:
        services.group_join(group=group, user=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("community:mine")
    messages.success(request, _("Welcome to the group of %(name)s.") % {"name": group.name})
    return redirect("community:group", group_id=group.id)


@login_required
def group_page(request: HttpRequest, group_id: int) -> HttpResponse:
    """A group at phone size: pinned alerts, posts with photos and replies, @officer, the directory."""
    try:
        reader = selectors.group_reader(user=request.user, group_id=group_id)
    except DomainError as exc:
        raise Http404 from exc
    context = {
        "group": reader.group,
        "reader": reader,
        "officers": selectors.officers_of(group=reader.group),
        "directory": list(selectors.directory_of(group=reader.group)),
    }
    return render(request, "community/group.html", context)


def _staff_groups(request: HttpRequest):
    try:
        return numbers.groups_overseen(user=request.user)
    except ForbiddenError:
        return None


@login_required
def staff_requests_page(request: HttpRequest) -> HttpResponse:
    """The officer's and the desk's inbox of unresolved requests, oldest clock first (desktop)."""
    found = selectors.requests_for_user(user=request.user).exclude(status=RequestStatus.RESOLVED)
    found = found.exclude(poster=request.user).select_related("post__author", "responded_by")
    return render(request, "community/staff_requests.html", {"requests": list(found[:200]), "now": timezone.now()})


@login_required
def staff_roster_page(request: HttpRequest) -> HttpResponse:
    """The duty desks' roster for the next days, by the hour (desktop)."""
    groups = _staff_groups(request)
    if groups is None:
        return render(request, "community/staff_forbidden.html", status=403)
    now = timezone.now()
    stations = groups.exclude(station__isnull=True).values("station_id")
    shifts = (
        DeskShift.objects.filter(
            desk__station_id__in=stations, ends_at__gt=now, starts_at__lt=now + timedelta(days=ROSTER_DAYS)
        )
        .select_related("desk", "user")
        .order_by("starts_at", "id")
    )
    stations = [
        (agency, list(User.objects.filter(agency_memberships__agency=agency).order_by("display_name", "id")))
        for agency in Agency.objects.filter(memberships__user=request.user, kind=AgencyKind.POLICE_STATION)
    ]
    return render(request, "community/staff_roster.html", {"shifts": list(shifts), "now": now, "stations": stations})


@login_required
def staff_broadcasts_page(request: HttpRequest) -> HttpResponse:
    """Write a broadcast to chosen grids; past broadcasts with delivered and read counts (desktop)."""
    groups = _staff_groups(request)
    if groups is None:
        return render(request, "community/staff_forbidden.html", status=403)
    grids = groups.filter(grid__isnull=False).select_related("grid").order_by("grid__name")
    sent = Broadcast.objects.filter(sender=request.user).order_by("-created_at")[:20]
    rows = [(b, selectors.broadcast_counts(broadcast=b)) for b in sent]
    return render(request, "community/staff_broadcasts.html", {"group_grids": grids, "sent": rows})


@login_required
def staff_moderation_page(request: HttpRequest, group_id: int) -> HttpResponse:
    """A group's moderation queue and record (its officers and duty desk; desktop)."""
    try:
        reader = selectors.group_reader(user=request.user, group_id=group_id)
    except DomainError as exc:
        raise Http404 from exc
    if not reader.is_staff_side:
        raise Http404
    queue = selectors.moderation_queue(group=reader.group)
    return render(request, "community/staff_moderation.html", {"group": reader.group, **queue})


@login_required
def staff_numbers_page(request: HttpRequest) -> HttpResponse:
    """The district's numbers per group and officer, and the link to their CSV (desktop)."""
    groups = _staff_groups(request)
    if groups is None:
        return render(request, "community/staff_forbidden.html", status=403)
    found = numbers.community_numbers(groups=groups)
    moderated = groups.filter(pk__in=[row["key"] for row in found["groups"]] or [0])
    return render(request, "community/staff_numbers.html", {**found, "moderated": moderated})


NUMBER_COLUMNS = [
    "requests",
    "responded",
    "resolved",
    "median_respond_minutes",
    "median_resolve_minutes",
    "answered_24h_share",
    "rated",
    "satisfaction",
]


@login_required
def staff_numbers_csv(request: HttpRequest) -> HttpResponse:
    """The numbers as CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese names)."""
    groups = _staff_groups(request)
    if groups is None:
        raise Http404
    found = numbers.community_numbers(groups=groups)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="community-numbers.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["level", "id", "name", *NUMBER_COLUMNS])
    for level, label in (("groups", _("group")), ("officers", _("officer"))):
        for row in found[level]:
            writer.writerow(
                [label, row["key"], row["name"], *("" if row[c] is None else row[c] for c in NUMBER_COLUMNS)]
            )
    return response
