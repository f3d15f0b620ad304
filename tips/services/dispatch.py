"""The case's side of sending volunteers to it (operations.case_dispatch): who may, and the timeline.

The tips app knows nothing of tasks: operations creates and offers the urgent task, and records
here what happened on the case. Neither step changes the case's state.
"""

from typing import Any

from accounts.models import User
from tips.errors import CaseClosedError
from tips.models import ACTIVE_STATES, CaseAction, CaseEvent, Tip
from tips.services.cases import _refuse_own_case


def case_dispatch_check(*, tip: Tip, actor: User) -> Tip:
    """Lock the case and refuse a dispatch its actor may not make.

    Call inside the dispatching transaction. Raises OwnTipError (the actor reported it or a tip
    merged into it), CaseClosedError (resolved, rejected or merged).
    """
    tip = Tip.objects.select_for_update(no_key=True).select_related("grid", "category").get(pk=tip.pk)
    _refuse_own_case(actor=actor, cases=[tip])
    if tip.status not in ACTIVE_STATES:
        raise CaseClosedError(status=tip.status)
    return tip


def case_dispatch_record(*, tip: Tip, actor: User | None, action: str, data: dict[str, Any]) -> CaseEvent:
    """One dispatch step on the case's timeline (DISPATCH by staff, DISPATCH_ACCEPT by the volunteer)."""
    if action not in (CaseAction.DISPATCH, CaseAction.DISPATCH_ACCEPT):
        raise ValueError(action)
    return CaseEvent.objects.create(
        tip_id=tip.pk, action=action, actor=actor, from_status=tip.status, to_status=tip.status, data=data
    )
