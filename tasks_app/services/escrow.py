"""The only place tasks move points: through ledger.services, keeping Task.escrow_points in step.

Every caller holds the task row lock and saves ``escrow_points`` in the same transaction, so the
mirror and the agency's escrow account move together. Keys are derived from causes, never reused.
"""

from typing import Any

from ledger import services as ledger_services
from ledger.models import TransactionKind
from tasks_app.models import Claim, Task


def escrow_fund(*, task: Task, initiated_by: Any = None) -> None:
    """Hold headcount × points from the agency budget in its escrow (raises InsufficientFundsError)."""
    amount = task.headcount * task.points
    ledger_services.transfer_post(
        kind=TransactionKind.TASK_ESCROW,
        source=ledger_services.agency_budget_account(task.agency),
        destination=ledger_services.agency_escrow_account(task.agency),
        amount=amount,
        idempotency_key=f"task:{task.id}:publish",
        memo=f"Escrow for task {task.id}: {task.headcount} × {task.points}",
        ref=task,
        initiated_by=initiated_by,
    )
    task.escrow_points += amount


def escrow_return(*, task: Task, amount: int, idempotency_key: str, memo: str, initiated_by: Any = None) -> None:
    """Give escrowed points of this task back to the agency budget."""
    if amount <= 0:
        return
    ledger_services.transfer_post(
        kind=TransactionKind.ESCROW_RETURN,
        source=ledger_services.agency_escrow_account(task.agency),
        destination=ledger_services.agency_budget_account(task.agency),
        amount=amount,
        idempotency_key=idempotency_key,
        memo=memo,
        ref=task,
        initiated_by=initiated_by,
    )
    task.escrow_points -= amount


def escrow_payout(*, task: Task, claim: Claim, initiated_by: Any = None) -> None:
    """Pay one place's points from the task's escrow to the claimant."""
    ledger_services.transfer_post(
        kind=TransactionKind.TASK_PAYOUT,
        source=ledger_services.agency_escrow_account(task.agency),
        destination=ledger_services.citizen_account(claim.user),
        amount=task.points,
        idempotency_key=f"task:{task.id}:claim:{claim.id}:payout",
        memo=f"Task {task.id}: {task.title}"[:200],
        ref=claim,
        initiated_by=initiated_by,
    )
    task.escrow_points -= task.points
