"""Demo rows of the ledger: funded agencies and a citizen with points. Idempotent (fixed keys)."""

from typing import Any

from ledger import services
from ledger.chain import ledger_seal
from ledger.models import TransactionKind


def seed(ctx: dict[str, Any]) -> None:
    services.agency_fund(
        agency=ctx["agency"],
        amount=1_000_000,
        idempotency_key="demo:fund:agency",
        memo="Demo budget: district safety programme 2026",
    )
    services.agency_fund(
        agency=ctx["grid_centre"],
        amount=500_000,
        idempotency_key="demo:fund:grid_centre",
        memo="Demo budget: tip rewards 2026",
    )
    services.transfer_post(
        kind=TransactionKind.TIP_REWARD,
        source=services.agency_budget_account(ctx["grid_centre"]),
        destination=services.citizen_account(ctx["citizen"]),
        amount=500,
        idempotency_key="demo:citizen:welcome",
        memo="欢迎奖励 Welcome reward for joining Fubi",
    )
    ledger_seal()
