"""Domain events of the tasks app (core.events), sent after commit so no listener sees a rollback.

Engagement turns them into the citizen's inbox messages and emails; the tasks app imports nobody.
"""

from typing import Any

from django.db import transaction

from core.events import publish
from tasks_app.models import Claim, DispatchOffer


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

    def send() -> None:
        fresh = DispatchOffer.objects.select_related("task", "user").filter(pk=offer_id).first()
        if fresh is not None:
            publish("dispatch.offered", user=fresh.user, obj=fresh, distance_m=fresh.distance_m)

    transaction.on_commit(send)
