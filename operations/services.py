"""Dispatch from a case (docs/api.md, live: POST /cases/{id}/dispatch), in one transaction:

1. the case is locked and the actor checked (tips.services.case_dispatch_check: 403 own_tip,
   409 case_closed); the selector before it answered 404 for another grid's case;
2. an urgent task at the case's place is created and published by the grid centre that pays the
   grid's tip rewards (tips.services.reward_agency_for_grid): publishing holds count × points from
   its budget in escrow through the ledger (409 insufficient_funds);
3. the task is offered to the `count` nearest on-call volunteers (tasks_app.services.task_dispatch,
   the same offers that widen to the next nearest after their timeout);
4. the link and the timeline step are written.

Replays: the request's Idempotency-Key (core.idempotency) replays the first answer, and the task's
escrow key is derived from the task, so the budget is held once. An offer accepted later is
recorded on the case in the accepting transaction (on_offer_accepted).
"""

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import live
from accounts.models import User
from operations.errors import DispatchBudgetMissingError
from operations.models import CaseDispatch
from tasks_app import services as task_services
from tasks_app.models import Category, DispatchOffer, Task
from tips import services as tip_services
from tips.errors import RewardBudgetMissingError
from tips.models import CaseAction, Tip

DISPATCH_HOURS = 2  # the urgent task's window: from now, long enough to get there and help
DISPATCH_RADIUS_M = 200


def _task_fields(*, tip: Tip, count: int, points: int, now: Any) -> dict[str, Any]:
    """The urgent task at the case's place. Nothing of the reporter or the report's text goes into
    it: volunteers see the category and the place, the case stays with the staff."""
    category = tip.category.name
    return {
        "title": (_("Urgent: %(category)s, case %(reference)s") % {"category": category, "reference": tip.reference})[
            :120
        ],
        "description": _("Go to the place now and report to the grid centre. In danger, call 110."),
        "category": Category.URGENT_RESPONSE,
        "lat": tip.lat,
        "lon": tip.lon,
        "address": tip.address[:200],
        "radius_m": DISPATCH_RADIUS_M,
        "starts_at": now,
        "ends_at": now + timedelta(hours=DISPATCH_HOURS),
        "headcount": count,
        "points": points,
        "min_minutes": 0,
        "auto_approve": False,
    }


@transaction.atomic
def case_dispatch(*, tip: Tip, actor: User, count: int, points: int) -> tuple[Task, list[DispatchOffer]]:
    """Send the `count` nearest on-call volunteers to the case's place as a funded urgent task.

    Assumes the actor may see the case (tips.selectors.case_get_for_staff). Raises OwnTipError,
    CaseClosedError, DispatchBudgetMissingError, InsufficientFundsError.
    """
    tip = tip_services.case_dispatch_check(tip=tip, actor=actor)
    try:
        centre = tip_services.reward_agency_for_grid(tip.grid)
    except RewardBudgetMissingError as error:
        raise DispatchBudgetMissingError(grid=tip.grid.code) from error
    now = timezone.now()
    task = task_services.task_create(
        agency=centre, created_by=actor, **_task_fields(tip=tip, count=count, points=points, now=now)
    )
    task = task_services.task_publish(task=task, user=actor)
    offers = task_services.task_dispatch(task=task, count=count, now=now)
    CaseDispatch.objects.create(tip=tip, task=task, created_by=actor, count=count, points=points)
    tip_services.case_dispatch_record(
        tip=tip,
        actor=actor,
        action=CaseAction.DISPATCH,
        data={
            "task_id": task.pk,
            "count": count,
            "points": points,
            "offer_distances_m": [offer.distance_m for offer in offers],
        },
    )
    live.publish("case", data={"id": tip.pk, "type": "case.dispatched", "task_id": task.pk}, grids=[tip.grid_id])
    return task, offers


def on_offer_accepted(sender: Any, *, offer: DispatchOffer, **kwargs: Any) -> None:
    """An urgent offer was accepted (tasks_app, inside its transaction): if its task was dispatched
    from a case, the case's timeline records who accepted and how far away they were."""
    link = CaseDispatch.objects.filter(task_id=offer.task_id).select_related("tip").first()
    if link is None:
        return
    volunteer = User.objects.get(pk=offer.user_id)
    tip_services.case_dispatch_record(
        tip=link.tip,
        actor=volunteer,
        action=CaseAction.DISPATCH_ACCEPT,
        data={
            "task_id": offer.task_id,
            "offer_id": offer.pk,
            "volunteer": volunteer.shown_name,
            "distance_m": offer.distance_m,
        },
    )
    live.publish(
        "case",
        data={"id": link.tip_id, "type": "case.dispatch_accepted", "task_id": offer.task_id},
        grids=[link.tip.grid_id],
    )
