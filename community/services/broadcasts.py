"""Broadcasts: an alert from grid-centre or police-station staff to the groups of chosen grids (or
all they reach), fanned out in the background (core.outbox) into a pinned post per group, a
delivery per member and an inbox message per member, each written by one set-based statement
(community.queries; the inbox's by engagement), then a `broadcast` live event per group. An urgent
broadcast is also an alarm: engagement's writer records notify's push/SMS job for every reader with
a subscribed phone or a verified number, set-based too."""

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import AgencyKind, AgencyMembership, Grid, User
from accounts.selectors import grids_for_staff
from community import queries
from community.errors import NoBroadcastTargetError
from community.models import Broadcast, BroadcastDelivery, Group
from core.errors import ForbiddenError, NotFoundError
from core.outbox import outbox_enqueue

logger = logging.getLogger(__name__)

# Who writes the inbox messages of a broadcast: engagement appends its set-based writer in its
# AppConfig.ready (community never imports engagement). Each is called inside the fan-out's
# transaction with (broadcast, now) and returns how many messages it wrote.
BROADCAST_INBOX_WRITERS: list[Callable[[Broadcast, datetime], int]] = []


def broadcasts_mark_read(*, group: Group, user: User) -> int:
    """The member opened the group: the broadcasts it shows them count as read (one statement)."""
    return BroadcastDelivery.objects.filter(user=user, group=group, read_at__isnull=True).update(read_at=timezone.now())


def _stations_of(user: User) -> list[int]:
    return list(
        AgencyMembership.objects.filter(user=user, agency__kind=AgencyKind.POLICE_STATION).values_list(
            "agency_id", flat=True
        )
    )


def broadcast_targets(*, user: User, grid_ids: list[int] | None) -> list[int]:
    """The groups a sender reaches: a grid-centre staff member's the community groups in their grids
    and those inside them; a police station's staff the groups it covers. With grid_ids, only the
    groups in those grids (and those inside them), each of which must be within the sender's reach.

    Raises ForbiddenError (neither grid-centre nor station staff), NotFoundError (a grid not theirs).
    """
    own_grids = {grid.id for grid in grids_for_staff(user=user)}
    stations = _stations_of(user)
    if not own_grids and not stations:
        raise ForbiddenError("Only grid-centre or police-station staff send broadcasts.")
    groups = Group.objects.filter(Q(grid_id__in=own_grids) | Q(station_id__in=stations), is_active=True)
    if grid_ids is not None:
        for grid_id in grid_ids:
            below = _grids_and_below([grid_id])
            if grid_id not in own_grids and not groups.filter(grid_id__in=below).exists():
                raise NotFoundError("No such grid among yours.", grid_id=grid_id)
        groups = groups.filter(grid_id__in=_grids_and_below(grid_ids))
    ids = sorted(groups.values_list("id", flat=True))
    if not ids:
        raise NoBroadcastTargetError(field="grid_ids")
    return ids


def _grids_and_below(grid_ids: list[int]) -> set[int]:
    seen = set(grid_ids)
    frontier = list(seen)
    while frontier:
        frontier = [
            g for g in Grid.objects.filter(parent_id__in=frontier).values_list("id", flat=True) if g not in seen
        ]
        seen.update(frontier)
    return seen


@transaction.atomic
def broadcast_send(*, sender: User, title: str, body: str, grid_ids: list[int] | None, urgent: bool) -> Broadcast:
    """Record a broadcast to its groups and enqueue its fan-out (after commit, through the outbox).

    Raises ForbiddenError, NotFoundError, NoBroadcastTargetError.
    """
    group_ids = broadcast_targets(user=sender, grid_ids=grid_ids)
    stations = _stations_of(sender)
    own_grids = Grid.objects.filter(memberships__user=sender).order_by("depth", "id").first()
    broadcast = Broadcast.objects.create(
        title=title,
        body=body,
        urgent=urgent,
        sender=sender,
        sender_agency_id=stations[0] if stations and own_grids is None else None,
        sender_grid=own_grids,
        recipients=queries.broadcast_recipient_count(group_ids=group_ids),
    )
    broadcast.groups.add(*group_ids)
    outbox_enqueue(
        task="community.tasks.broadcast_fan_out_task", key=f"community.broadcast:{broadcast.id}", args=[broadcast.id]
    )
    return broadcast


def broadcast_fan_out(*, broadcast_id: int) -> int:
    """Write the broadcast's pinned posts, deliveries and inbox messages in one transaction, then
    send the live events (and, when urgent, push/SMS). Safe to run twice: a second run writes
    nothing. Returns how many deliveries were written."""
    steps: dict[str, float] = {}
    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().get(pk=broadcast_id)
        now = timezone.now()
        with _timed(steps, "posts"):
            queries.broadcast_pin_posts(broadcast_id=broadcast.id, now=now)
        with _timed(steps, "deliveries"):
            written = queries.broadcast_deliveries_write(broadcast_id=broadcast.id, now=now)
        with _timed(steps, "inbox"):
            for writer in BROADCAST_INBOX_WRITERS:
                writer(broadcast, now)
        if broadcast.fanned_out_at is None:
            broadcast.fanned_out_at = now
            broadcast.save(update_fields=["fanned_out_at", "updated_at"])
    if written:
        with _timed(steps, "live"):
            _live_publish(broadcast)
    logger.info("broadcast %s fanned out to %s: %s", broadcast_id, written, {k: round(v, 2) for k, v in steps.items()})
    return written


@contextmanager
def _timed(steps: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    steps[name] = time.perf_counter() - started


LIVE_CHUNK = 5000


def _live_publish(broadcast: Broadcast) -> None:
    """A `broadcast` live event to every member, per group, in audiences of at most LIVE_CHUNK."""
    import live

    rows = BroadcastDelivery.objects.filter(broadcast=broadcast).order_by("group_id", "user_id")
    by_group: dict[int, list[int]] = {}
    for group_id, user_id in rows.values_list("group_id", "user_id").iterator(chunk_size=20_000):
        by_group.setdefault(group_id, []).append(user_id)
    for group_id, users in by_group.items():
        for first in range(0, len(users), LIVE_CHUNK):
            data = {"id": broadcast.id, "group_id": group_id, "urgent": broadcast.urgent}
            live.publish("broadcast", data=data, users=users[first : first + LIVE_CHUNK])
