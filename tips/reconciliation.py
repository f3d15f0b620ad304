"""The tips' part of the ledger's reconciliation: every tip reward points at a rewarded tip.

Registered in ledger.reconciliation.CAUSE_CHECKS by TipsConfig.ready. An anonymous tip's reward
names its cause in the books only as ("tips.anonymous_reward", <random token>);
ledger.selectors.transaction_causes follows the token back, so these rewards are checked like any
other. The mismatches are read by auditors: a row names a transaction or a tip, never both, so a
failing check cannot tie a wallet to an anonymous tip either.
"""

from typing import Any

from ledger import selectors as ledger_selectors
from ledger.models import TransactionKind
from tips.models import Tip, TipStatus

TIP_REF = Tip._meta.label_lower  # "tips.tip"
REWARDED_STATES = (TipStatus.VERIFIED, TipStatus.RESOLVED, TipStatus.DUPLICATE)


def tip_rewards_check(cursor: Any = None) -> list[dict[str, Any]]:
    """Mismatches between the ledger's tip_reward transactions and the tips they pay.

    Each tip_reward transaction that names a tip (directly or through an opaque reference) must pay
    a tip in a rewarded state that records that transaction and that amount; each tip recorded as
    paid must be named by its reward transaction. Runs in the caller's snapshot.
    """
    mismatches: list[dict[str, Any]] = []
    paid_by: dict[int, list[tuple[int, int]]] = {}
    for tx_id, ref_type, ref_id, credited, _opaque in ledger_selectors.transaction_causes(
        kind=TransactionKind.TIP_REWARD
    ):
        if ref_type == TIP_REF and ref_id is not None:
            paid_by.setdefault(ref_id, []).append((tx_id, credited))
    tips = {
        row["id"]: row
        for row in Tip.objects.filter(pk__in=list(paid_by)).values(
            "id", "status", "reward_points", "reward_transaction_id"
        )
    }
    for tip_id, payments in paid_by.items():
        tip = tips.get(tip_id)
        for tx_id, credited in payments:
            problem = None
            if tip is None:
                problem = "no_such_tip"
            elif tip["status"] not in REWARDED_STATES:
                problem = "tip_not_rewarded"
            elif tip["reward_transaction_id"] != tx_id:
                problem = "not_the_tips_reward"
            elif tip["reward_points"] != credited:
                problem = "amount_differs"
            if problem:
                mismatches.append({"check": "tip_reward", "transaction_id": tx_id, "problem": problem})
    for tip_id, tx_id in Tip.objects.filter(reward_paid_at__isnull=False).values_list("id", "reward_transaction_id"):
        if tx_id not in {paid for paid, _credited in paid_by.get(tip_id, [])}:
            mismatches.append({"check": "tip_reward", "tip_id": tip_id, "problem": "reward_transaction_missing"})
    return mismatches
