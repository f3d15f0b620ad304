"""The quizzes' part of the ledger's reconciliation (ledger.reconciliation.CAUSE_CHECKS).

A quiz's escrow sits in its agency's escrow account beside the tasks' escrow, so the books alone
cannot tell them apart; this check proves the quizzes' share: for every quiz, what quiz_escrow
moved in minus what quiz_payout paid out minus what escrow_return gave back equals the quiz's
mirror (Quiz.escrow_points), and every quiz payout is the recorded payment of one citizen's pass.
"""

from collections import defaultdict
from typing import Any

from ledger import selectors as ledger_selectors
from ledger.models import TransactionKind
from quizzes.models import Attempt, Quiz, QuizPass

QUIZ_REF = Quiz._meta.label_lower  # "quizzes.quiz"
ATTEMPT_REF = Attempt._meta.label_lower


def quiz_escrow_check(cursor: Any = None) -> list[dict[str, Any]]:
    """Mismatches between the ledger's quiz transactions and the quizzes' escrow and passes."""
    mismatches: list[dict[str, Any]] = []
    held: dict[int, int] = defaultdict(int)
    for kind, sign in ((TransactionKind.QUIZ_ESCROW, 1), (TransactionKind.ESCROW_RETURN, -1)):
        for _tx, ref_type, ref_id, credited, _opaque in ledger_selectors.transaction_causes(kind=kind):
            if ref_type == QUIZ_REF and ref_id is not None:
                held[ref_id] += sign * credited
    recorded = QuizPass.objects.values_list("quiz_id", "transaction_id", "points")
    passes = {tx: (quiz, points) for quiz, tx, points in recorded}
    attempts = dict(Attempt.objects.filter(passed=True).values_list("id", "quiz_id"))
    for tx_id, ref_type, ref_id, credited, _opaque in ledger_selectors.transaction_causes(
        kind=TransactionKind.QUIZ_PAYOUT
    ):
        quiz_id = attempts.get(ref_id) if ref_type == ATTEMPT_REF else None
        if quiz_id is None or passes.get(tx_id) != (quiz_id, credited):
            mismatches.append({"check": "quiz_payout", "transaction_id": tx_id, "problem": "not_a_recorded_pass"})
            continue
        held[quiz_id] -= credited
    for quiz_id, mirror in Quiz.objects.values_list("id", "escrow_points"):
        if held.get(quiz_id, 0) != mirror:
            mismatches.append(
                {"check": "quiz_escrow", "quiz_id": quiz_id, "mirror": mirror, "ledger": held.get(quiz_id, 0)}
            )
    return mismatches
