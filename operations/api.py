"""Operations endpoints (docs/api.md, live): dispatch from a case. Thin: the selector, then the service."""

from django.http import HttpRequest
from ninja import Router, Status

from operations import services
from operations.schemas import CaseDispatchIn, CaseDispatchOut
from tips import selectors as tip_selectors

router = Router(tags=["operations"])


@router.post("/cases/{case_id}/dispatch", response={201: CaseDispatchOut})
def case_dispatch_api(request: HttpRequest, case_id: int, payload: CaseDispatchIn) -> Status:
    """An urgent task at the case's place, funded from the grid centre's budget and offered to the
    `count` nearest on-call volunteers (grid staff of the case's grid). 403 own_tip, 409 case_closed,
    409 insufficient_funds, 409 no_budget. Honours Idempotency-Key."""
    tip = tip_selectors.case_get_for_staff(user=request.auth, case_id=case_id)
    task, offers = services.case_dispatch(tip=tip, actor=request.auth, count=payload.count, points=payload.points)
    return Status(201, {"task_id": task.pk, "offers": offers})
