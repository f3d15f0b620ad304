"""Domain events of the tasks app (core.events), sent after commit so no listener sees a rollback.

Engagement turns them into the citizen's inbox messages and emails; the tasks app imports nobody.
"""

from typing import Any

from django.db import transaction
from django.dispatch import Signal

import live
from accounts.selectors import grid_innermost_containing
from core.events import publish
from tasks_app.models import CheckIn, Claim, DispatchOffer, Task

# Sent inside the transaction that accepts an urgent offer (kwargs: offer, with its task): a
# listener's writes commit or roll back with the acceptance (operations records it on the case the
# task was dispatched for). Unlike the domain events above, which go out after commit.
offer_accepted = Signal()


def claim_event_publish(name: str, *, claim: Claim, **data: Any) -> None:
    """After commit, tell listeners `name` happened to this claim (user: its citizen, obj: the claim)."""
    user_id, claim_id = claim.user_id, claim.pk

    def send() -> None:
        fresh = Claim.objects.select_related("task", "user").filter(pk=claim_id, user_id=user_id).first()
        if fresh is not None:
            publish(name, user=fresh.user, obj=fresh, **data)

    transaction.on_commit(send)


def offer_event_publish(*, offer: DispatchOffer) -> None:
    """After commit, offer an urgent task to its volunteer ("dispatch.offered", obj: the offer)."""
    offer_id = offer.pk
    # the volunteer's open pages hear of it at once (the inbox message follows from the domain event)
    live.publish(
        "offer",
        data={"id": offer_id, "type": "offer.made", "task_id": offer.task_id, "expires_at": offer.expires_at},
        users=[offer.user_id],
    )

    def send() -> None:
        fresh = DispatchOffer.objects.select_related("task", "user").filter(pk=offer_id).first()
        if fresh is not None:
            publish("dispatch.offered", user=fresh.user, obj=fresh, distance_m=fresh.distance_m)

    transaction.on_commit(send)


def position_event_publish(*, task: Task, claim: Claim, checkin: CheckIn) -> None:
    """After commit, the fix of a volunteer on duty reaches the live streams of the task's agency
    staff and of the staff of the grid the task is in (and the grids above): never a citizen's."""
    grid = grid_innermost_containing(lat=task.lat, lon=task.lon)
    live.publish(
        "position",
        data={
            "id": claim.pk,
            "type": f"position.{checkin.kind}",
            "task_id": task.pk,
            "lat": checkin.lat,
            "lon": checkin.lon,
            "accuracy_m": checkin.accuracy_m,
            "status": claim.status,
            "at": checkin.received_at.isoformat(),
        },
        agencies=[task.agency_id],
        grids=[grid] if grid is not None else [],
    )
