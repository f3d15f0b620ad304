"""Reads of the ledger: balances, wallets, entries."""

from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.db.models import F, QuerySet

from accounts.models import Agency, User
from ledger.models import Account, AccountKind, OpaqueRef, Posting, Transaction, TransactionKind


def account_balance(account: Account) -> dict[str, int]:
    """{"balance", "held", "available"} of one account, read fresh from its balance row.

    balance counts the points on open holds too; available = balance - held never goes below zero.
    """
    posted, held = Account.objects.filter(pk=account.pk).values_list("posted", "held").get()
    return {"balance": posted + held, "held": held, "available": posted}


def citizen_wallet(*, user: User) -> dict[str, Any]:
    """The citizen's wallet; zero if they never received points (no account row is created)."""
    account = Account.objects.filter(kind=AccountKind.CITIZEN, user=user).first()
    if account is None:
        return {"balance": 0, "held": 0, "available": 0, "currency": "FZB"}
    return {**account_balance(account), "currency": "FZB"}


def agency_wallet(*, agency: Agency) -> dict[str, Any]:
    """An agency's budget: available to spend, held = task escrow plus open holds on the budget."""
    rows = {
        kind: (posted, held)
        for kind, posted, held in Account.objects.filter(
            agency=agency, kind__in=[AccountKind.AGENCY_BUDGET, AccountKind.AGENCY_ESCROW]
        ).values_list("kind", "posted", "held")
    }
    budget_posted, budget_held = rows.get(AccountKind.AGENCY_BUDGET, (0, 0))
    escrow_posted, _ = rows.get(AccountKind.AGENCY_ESCROW, (0, 0))
    held = budget_held + escrow_posted
    return {"balance": budget_posted + held, "held": held, "available": budget_posted, "currency": "FZB"}


def wallet_entries(*, user: User | None = None, agency: Agency | None = None) -> QuerySet:
    """The citizen's (or the agency budget's) postings, newest first, with their transaction's kind and memo."""
    if agency is not None:
        postings = Posting.objects.filter(account__kind=AccountKind.AGENCY_BUDGET, account__agency=agency)
    else:
        postings = Posting.objects.filter(account__kind=AccountKind.CITIZEN, account__user=user)
    return (
        postings.order_by("-id")
        .values("id", "transaction_id", "amount", "balance_after", "created_at")
        .annotate(
            kind=F("transaction__kind"),
            memo=F("transaction__memo"),
            ref_type=F("transaction__ref_type"),
            ref_id=F("transaction__ref_id"),
        )
    )


def transaction_cause(*, transaction: Transaction) -> tuple[str, int | None]:
    """(ref_type, ref_id) of what caused the transaction, following an opaque reference back.

    For code only (reconciliation, the paying app): an anonymous tip's reward reads
    ("tips.anonymous_reward", <token>) in every export, and ("tips.tip", <tip id>) here.
    """
    opaque = OpaqueRef.objects.filter(transaction_id=transaction.pk).values_list("ref_type", "ref_id").first()
    if opaque is not None:
        return opaque
    return transaction.ref_type, transaction.ref_id


def transaction_causes(*, kind: TransactionKind) -> Iterator[tuple[int, str, int | None, int, bool]]:
    """(transaction id, ref_type, ref_id, points credited, opaque) of every transaction of a kind,
    opaque references followed back; in id order, in the caller's snapshot."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.id, coalesce(o.ref_type, t.ref_type), coalesce(o.ref_id, t.ref_id),"
            " (SELECT coalesce(sum(p.amount), 0) FROM ledger_posting p WHERE p.transaction_id = t.id AND p.amount > 0),"
            " o.id IS NOT NULL"
            " FROM ledger_transaction t LEFT JOIN ledger_opaqueref o ON o.transaction_id = t.id"
            " WHERE t.kind = %s ORDER BY t.id",
            [kind],
        )
        for tx_id, ref_type, ref_id, credited, opaque in cursor.fetchall():
            yield tx_id, ref_type, ref_id, int(credited), opaque
