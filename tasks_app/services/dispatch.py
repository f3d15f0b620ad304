"""Urgent dispatch (平安联盟): on-call volunteers, offers to the nearest, widening after a timeout."""

import math
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from core.geo import haversine_m
from tasks_app.errors import NotCitizenError, OfferClosedError, TaskInvalidError, TaskNotUrgentError
from tasks_app.models import (
    LIVE_CLAIM_STATUSES,
    DispatchOffer,
    OfferStatus,
    Task,
    TaskStatus,
    VolunteerStatus,
)
from tasks_app.services.claims import claim_create
from tasks_app.services.events import offer_accepted, offer_event_publish

POSITION_FRESH_FOR = timedelta(minutes=30)
# An offer keeps how far its volunteer was only to the nearest 100 m: staff see the distance on the
# task page, in the dispatch answer and in the admin, and a distance to the metre from a few tasks
# would place an on-call volunteer's home. Nearest-first is decided on the exact distance before.
OFFER_DISTANCE_STEP_M = 100
MAX_DISPATCH_KM = 20.0
MAX_ROUNDS = 6


@transaction.atomic
def volunteer_on_call_set(
    *, user: User, on_call: bool, lat: float | None = None, lon: float | None = None, accuracy_m: float | None = None
) -> VolunteerStatus:
    """Go on or off call; on call needs a position, which is refreshed by every call."""
    if not user.has_role(Role.CITIZEN):
        raise NotCitizenError()
    if on_call and (lat is None or lon is None):
        raise TaskInvalidError(_("Share your position to go on call."), field="lat")
    status, _created = VolunteerStatus.objects.select_for_update().get_or_create(user=user)
    status.on_call = on_call
    if lat is not None and lon is not None:
        status.lat, status.lon, status.accuracy_m, status.position_at = lat, lon, accuracy_m, timezone.now()
    elif not on_call:
        status.lat = status.lon = status.accuracy_m = status.position_at = None  # stop keeping the position
    status.save()
    return status


def volunteers_nearest(*, task: Task, count: int, now: datetime, exclude_user_ids: set[int]) -> list[tuple[float, int]]:
    """(distance m, user id) of the nearest on-call volunteers with a fresh position, nearest first."""
    dlat = MAX_DISPATCH_KM / 111.195
    dlon = dlat / max(0.01, math.cos(math.radians(task.lat)))
    rows = (
        VolunteerStatus.objects.filter(
            on_call=True,
            position_at__gte=now - POSITION_FRESH_FOR,
            lat__range=(task.lat - dlat, task.lat + dlat),
            lon__range=(task.lon - dlon, task.lon + dlon),
        )
        .exclude(user_id__in=exclude_user_ids)
        .exclude(user__agency_memberships__agency_id=task.agency_id)
        .values_list("user_id", "lat", "lon")
    )
    ranked = sorted((haversine_m(lat, lon, task.lat, task.lon), uid) for uid, lat, lon in rows)
    return [(d, uid) for d, uid in ranked if d <= MAX_DISPATCH_KM * 1000][:count]


def offer_distance_rounded(distance_m: float) -> float:
    """The distance an offer shows: to the nearest OFFER_DISTANCE_STEP_M metres."""
    return float(round(distance_m / OFFER_DISTANCE_STEP_M) * OFFER_DISTANCE_STEP_M)


@transaction.atomic
def task_dispatch(*, task: Task, count: int | None = None, now: datetime | None = None) -> list[DispatchOffer]:
    """Offer an open urgent task to the next nearest on-call volunteers not offered it yet.

    Marks the task urgent. Raises TaskNotUrgentError when the task is not open.
    """
    now = now or timezone.now()
    task = Task.objects.select_for_update(no_key=True).get(pk=task.pk)
    if task.status != TaskStatus.OPEN or task.ends_at <= now:
        raise TaskNotUrgentError(status=task.status)
    fields = []
    if not task.is_urgent:
        task.is_urgent = True
        fields.append("is_urgent")
    if count is not None:
        task.dispatch_size = count
        fields.append("dispatch_size")
    if fields:
        task.save(update_fields=[*fields, "updated_at"])
    offered = set(DispatchOffer.objects.filter(task=task).values_list("user_id", flat=True))
    claimed = set(task.claims.filter(status__in=LIVE_CLAIM_STATUSES).values_list("user_id", flat=True))
    last_round = max(DispatchOffer.objects.filter(task=task).values_list("round", flat=True), default=0)
    wanted = min(task.dispatch_size, task.headcount - task.slots_taken) if task.slots_taken < task.headcount else 0
    offers = []
    for distance, user_id in volunteers_nearest(
        task=task, count=max(wanted, task.dispatch_size), now=now, exclude_user_ids=offered | claimed
    ):
        offer = DispatchOffer.objects.create(
            task=task,
            user_id=user_id,
            round=last_round + 1,
            distance_m=offer_distance_rounded(distance),
            expires_at=now + timedelta(minutes=task.dispatch_timeout_minutes),
        )
        offer_event_publish(offer=offer)
        offers.append(offer)
    return offers


def _lock_offer(offer: DispatchOffer, user: User) -> DispatchOffer:
    return DispatchOffer.objects.select_for_update().select_related("task").get(pk=offer.pk, user=user)


@transaction.atomic
def offer_accept(*, offer: DispatchOffer, user: User, now: datetime | None = None) -> DispatchOffer:
    """Accept an urgent offer: take a place on the task at once. Raises OfferClosedError, TaskFullError…"""
    now = now or timezone.now()
    offer = _lock_offer(offer, user)
    if offer.status == OfferStatus.ACCEPTED:
        return offer
    if offer.status != OfferStatus.OFFERED or offer.expires_at <= now:
        raise OfferClosedError(status=offer.status)
    claim = claim_create(task=offer.task, user=user, now=now)
    offer.status = OfferStatus.ACCEPTED
    offer.answered_at = now
    offer.claim = claim
    offer.save(update_fields=["status", "answered_at", "claim", "updated_at"])
    offer_accepted.send(sender=DispatchOffer, offer=offer)
    return offer


@transaction.atomic
def offer_decline(*, offer: DispatchOffer, user: User, now: datetime | None = None) -> DispatchOffer:
    """Decline an urgent offer; the next round can go to someone else. Raises OfferClosedError."""
    now = now or timezone.now()
    offer = _lock_offer(offer, user)
    if offer.status == OfferStatus.DECLINED:
        return offer
    if offer.status != OfferStatus.OFFERED:
        raise OfferClosedError(status=offer.status)
    offer.status = OfferStatus.DECLINED
    offer.answered_at = now
    offer.save(update_fields=["status", "answered_at", "updated_at"])
    return offer


def dispatch_widen(*, task: Task, now: datetime | None = None) -> list[DispatchOffer]:
    """Expire timed-out offers; when none is pending and places are left, offer the next round."""
    now = now or timezone.now()
    with transaction.atomic():
        task = Task.objects.select_for_update(no_key=True).get(pk=task.pk)
        pending = DispatchOffer.objects.filter(task=task, status=OfferStatus.OFFERED)
        pending.filter(expires_at__lte=now).update(status=OfferStatus.EXPIRED, updated_at=now)
        if task.status != TaskStatus.OPEN or task.ends_at <= now or task.slots_taken >= task.headcount:
            DispatchOffer.objects.filter(task=task, status=OfferStatus.OFFERED).update(
                status=OfferStatus.WITHDRAWN, updated_at=now
            )
            return []
        rounds = max(DispatchOffer.objects.filter(task=task).values_list("round", flat=True), default=0)
        if pending.filter(expires_at__gt=now).exists() or rounds >= MAX_ROUNDS:
            return []
        return task_dispatch(task=task, now=now)


def tasks_needing_widening(*, now: datetime) -> list[int]:
    """Ids of urgent open tasks with an expired pending offer or with no pending offer left."""
    return list(
        Task.objects.filter(is_urgent=True, status=TaskStatus.OPEN)
        .filter(
            Q(offers__status=OfferStatus.OFFERED, offers__expires_at__lte=now) | ~Q(offers__status=OfferStatus.OFFERED)
        )
        .values_list("id", flat=True)
        .distinct()
    )
