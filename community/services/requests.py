"""Tracked requests (反映—响应—反馈): opened by a post, answered by an officer's reply, resolved,
rated by the poster, forwarded as a tip, escalated when nobody answers."""

import re
from datetime import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from community import events
from community.errors import AlreadyForwardedError, AlreadyRatedError, RequestStateError
from community.models import MemberRole, Membership, Post, Request, RequestStatus
from community.models import group_photo_storage as storage
from community.selectors import desk_on_duty
from community.services import clock

# "@officer", "@民警", "@社区民警" reach every officer of the group; "@<display name>" reaches that one.
GENERIC_MENTION = re.compile(r"@(officer|police|民警|社区民警|警官)", re.IGNORECASE)


def officers_mentioned(*, group, text: str) -> list[Membership]:
    """The group's officers this text @s (all of them for a generic @officer), in membership order."""
    if "@" not in text:
        return []
    officers = list(
        Membership.objects.filter(group=group, role=MemberRole.OFFICER, removed_at__isnull=True)
        .select_related("user")
        .order_by("id")
    )
    if GENERIC_MENTION.search(text):
        return officers
    return [m for m in officers if f"@{m.user.shown_name}" in text]


def _who_takes(post: Post, mentioned: list[Membership], at: datetime) -> tuple[User | None, bool, bool]:
    """(assignee, via the desk, covered now): an officer in their hours (those @-ed first), else
    whoever is on duty at the station's desk, else the first officer when the day starts."""
    officers = mentioned or list(
        Membership.objects.filter(group=post.group, role=MemberRole.OFFICER, removed_at__isnull=True)
        .select_related("user")
        .order_by("id")
    )
    for membership in officers:
        if clock.officer_in_hours(membership, at):
            return membership.user, False, True
    on_duty = desk_on_duty(station_id=post.group.station_id, at=at)
    if on_duty:
        return on_duty[0], True, True
    return (officers[0].user if officers else None), False, False


def request_open(*, post: Post, mentioned: list[Membership]) -> Request:
    """Make the post a tracked request with its clocks; the assignee and the poster hear of it."""
    at = post.created_at
    assignee, via_desk, covered = _who_takes(post, mentioned, at)
    request = Request.objects.create(
        post=post,
        group=post.group,
        poster=post.author,
        assignee=assignee,
        via_desk=via_desk,
        respond_by=clock.respond_due(at=at, covered=covered),
        resolve_by=clock.resolve_due(at=at),
    )
    events.request_event_on_commit("request.opened", request)
    return request


def request_responded(*, post: Post, by: User, at: datetime) -> Request | None:
    """An officer's (or the desk's) reply: the post's open request becomes responded."""
    request = Request.objects.select_for_update().filter(post=post).first()
    if request is None or request.status != RequestStatus.OPEN:
        return request
    request.status, request.responded_at, request.responded_by = RequestStatus.RESPONDED, at, by
    request.save(update_fields=["status", "responded_at", "responded_by", "updated_at"])
    events.request_event_on_commit("request.responded", request)
    return request


@transaction.atomic
def request_resolve(*, request: Request, by: User, note: str = "") -> Request:
    """Resolve a request (officer or duty desk). Raises RequestStateError when it is resolved already."""
    request = Request.objects.select_for_update().get(pk=request.pk)
    if request.status == RequestStatus.RESOLVED:
        raise RequestStateError(status=request.status)
    now = timezone.now()
    if request.responded_at is None:
        request.responded_at, request.responded_by = now, by
    request.status, request.resolved_at, request.resolution_note = RequestStatus.RESOLVED, now, note
    request.save(
        update_fields=["status", "responded_at", "responded_by", "resolved_at", "resolution_note", "updated_at"]
    )
    events.request_event_on_commit("request.resolved", request)
    return request


@transaction.atomic
def request_rate(*, request: Request, stars: int) -> Request:
    """The poster rates the result, once, after it is resolved.

    Raises RequestStateError (not resolved yet), AlreadyRatedError.
    """
    request = Request.objects.select_for_update().get(pk=request.pk)
    if request.status != RequestStatus.RESOLVED:
        raise RequestStateError(status=request.status)
    if request.stars is not None:
        raise AlreadyRatedError(stars=request.stars)
    request.stars = stars
    request.save(update_fields=["stars", "updated_at"])
    return request


@transaction.atomic
def request_forward(*, request: Request, by: User, category: str = "other") -> int:
    """Forward a request that belongs elsewhere into the case queue as a tip: the post's text,
    photos and place (its own position, else its community's centre), reported anonymously by the
    poster, so the case queue learns nothing of who they are. Returns the tip's id.

    Raises AlreadyForwardedError, and what tips.services.tip_submit raises.
    """
    from tips import services as tip_services

    request = (
        Request.objects.select_for_update(of=("self",)).select_related("post__group__grid", "poster").get(pk=request.pk)
    )
    if request.tip_id is not None:
        raise AlreadyForwardedError(tip_id=request.tip_id)
    post = request.post
    lat, lon = post.lat, post.lon
    if lat is None and post.group.grid is not None:
        lat, lon = post.group.grid.center
    uploads = [
        SimpleUploadedFile(f"photo-{photo.position}.jpg", storage.open(photo.image.name).read(), "image/jpeg")
        for photo in post.photos.order_by("position")
    ]
    tip = tip_services.tip_submit(
        reporter=request.poster,
        category_code=category,
        description=post.text or "-",
        lat=lat,
        lon=lon,
        anonymous=True,
        photos=uploads,
    )
    request.tip_id = tip.id
    fields = ["tip_id", "updated_at"]
    if request.status == RequestStatus.OPEN:
        request.status, request.responded_at, request.responded_by = RequestStatus.RESPONDED, timezone.now(), by
        fields += ["status", "responded_at", "responded_by"]
    request.save(update_fields=fields)
    return tip.id
