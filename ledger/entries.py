"""A wallet's entries as the reader sees them: what happened, in the reader's language.

A transaction's memo is part of the hash chain, so it is written once, in English, and never
changed; pages do not show it. They show the kind's label (translated when the page renders) and,
where the app that caused it says what it was about, that name (a task's title, a reward's name in
the reader's language, a tip's reference). The ledger imports no product app: each app registers
how to name its own references (ENTRY_DETAILS, from its AppConfig.ready).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from ledger.models import TransactionKind

# ref_type ("tasks_app.claim") → a function of the referenced ids giving {id: name}.
ENTRY_DETAILS: dict[str, Callable[[set[int]], dict[int, str]]] = {}

# A citizen reads these kinds in their own words; the others keep the kind's label.
CITIZEN_LABELS = {
    TransactionKind.REDEMPTION_HOLD: _("Shop order"),
    TransactionKind.CAPTURE: _("Order handed over"),
    TransactionKind.RELEASE: _("Order refunded"),
}


def entries_described(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries (wallet_entries rows, with ref_type and ref_id) each with `label` and `detail`."""
    rows = list(entries)
    wanted: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        if row.get("ref_type") in ENTRY_DETAILS and row.get("ref_id") is not None:
            wanted[row["ref_type"]].add(row["ref_id"])
    names = {ref_type: ENTRY_DETAILS[ref_type](ids) for ref_type, ids in wanted.items()}
    for row in rows:
        kind = row["kind"]
        label = CITIZEN_LABELS.get(kind) or (TransactionKind(kind).label if kind in TransactionKind.values else kind)
        row["label"] = str(label)
        row["detail"] = names.get(row.get("ref_type"), {}).get(row.get("ref_id"), "")
    return rows
