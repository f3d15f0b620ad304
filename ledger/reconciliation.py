"""Reconciliation: prove from the postings alone that the books are whole.

Checks, all in SQL over one REPEATABLE READ snapshot (set-based, so a million postings take seconds):
every transaction sums to zero per currency and has at least two postings; every cached balance row
equals the sum of its postings and its last posting's balance_after; every held amount equals the
account's open holds; the shop-holds shards hold exactly the open holds; no account that may not go
negative is negative; issued = in circulation + redeemed + forfeited; opaque references are whole and the apps'
causes agree (CAUSE_CHECKS: every tip reward points at a rewarded tip); and the hash chain verifies
(each seal's hash recomputed by PostgreSQL from its transaction and postings, each prev_hash equal to
the previous seal's hash, seq gapless).

Each check is a small named function (LEDGER_CHECKS, in report order) that reads the snapshot and
returns its own mismatches, at most MAX_LISTED of them; reconciliation_report runs them in turn.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ledger.chain import chain_verify, ledger_seal
from ledger.models import AccountKind, ReconciliationRun, TransactionKind

MAX_LISTED = 50  # mismatches listed per check; the counts are always complete

# Apps that pay points add checks of their causes here from their AppConfig.ready (tips: every tip
# reward points at a rewarded tip, opaque references followed back); the ledger imports none of
# them. Each gets the reconciliation's cursor (one snapshot) and returns mismatches, which an
# auditor reads: they must never put an opaque transaction next to the cause it hides.
Mismatch = dict[str, Any]
CAUSE_CHECKS: list[Callable[[Any], list[Mismatch]]] = []


def _rows(cursor: Any, sql: str, params: list | None = None) -> list[tuple]:
    cursor.execute(sql, params or [])
    return cursor.fetchall()


@dataclass(frozen=True)
class Totals:
    """The balances of the books by account kind, read once in the snapshot; the report's figures."""

    by_kind: dict[str, int]
    open_holds: int
    funded_cny: Decimal

    @property
    def issued(self) -> int:
        return -self.by_kind.get(AccountKind.FUNDING_SOURCE, 0)

    @property
    def redeemed(self) -> int:
        return self.by_kind.get(AccountKind.REDEEMED, 0)

    @property
    def forfeited(self) -> int:
        return self.by_kind.get(AccountKind.FORFEITED, 0)

    @property
    def circulation(self) -> int:
        return sum(self.by_kind.get(kind, 0) for kind in CIRCULATING_KINDS)


CIRCULATING_KINDS = (AccountKind.CITIZEN, AccountKind.AGENCY_BUDGET, AccountKind.AGENCY_ESCROW, AccountKind.SHOP_HOLDS)


def totals_read(cursor: Any) -> Totals:
    """Sum the balance rows by kind, the open holds and the CNY behind every funding."""
    by_kind = {
        kind: int(value)
        for kind, value in _rows(cursor, "SELECT kind, coalesce(sum(posted), 0) FROM ledger_account GROUP BY kind")
    }
    (open_holds,) = _rows(cursor, "SELECT coalesce(sum(amount), 0) FROM ledger_hold WHERE status = 'open'")[0]
    (funded_cny,) = _rows(cursor, "SELECT coalesce(sum(cny), 0) FROM ledger_funding")[0]
    return Totals(by_kind=by_kind, open_holds=int(open_holds), funded_cny=Decimal(funded_cny))


# --- the checks: each reads the snapshot and reports its own mismatches (at most MAX_LISTED rows) ---


def postings_per_transaction_check(cursor: Any, totals: Totals) -> list[Mismatch]:
    """Every transaction sums to zero per currency and has at least two postings."""
    # One pass over the postings: per transaction, the number of postings and whether any currency
    # fails to sum to zero; then transactions with no posting at all.
    found: list[Mismatch] = [
        {
            "check": "unbalanced_transaction" if unbalanced else "fewer_than_two_postings",
            "transaction_id": tx_id,
            "postings": int(count),
        }
        for tx_id, count, unbalanced in _rows(
            cursor,
            "SELECT transaction_id, sum(n), bool_or(total <> 0) FROM"
            " (SELECT transaction_id, count(*) AS n, sum(amount) AS total FROM ledger_posting"
            "  GROUP BY transaction_id, currency) g"
            " GROUP BY transaction_id HAVING sum(n) < 2 OR bool_or(total <> 0) ORDER BY 1 LIMIT %s",
            [MAX_LISTED],
        )
    ]
    found += [
        {"check": "fewer_than_two_postings", "transaction_id": tx_id, "postings": 0}
        for (tx_id,) in _rows(
            cursor,
            "SELECT t.id FROM ledger_transaction t"
            " WHERE NOT EXISTS (SELECT 1 FROM ledger_posting p WHERE p.transaction_id = t.id) ORDER BY 1 LIMIT %s",
            [MAX_LISTED],
        )
    ]
    return found


def balance_row_check(cursor: Any, totals: Totals) -> list[Mismatch]:
    """Every cached balance equals the sum of its account's postings."""
    return [
        {"check": "balance_row", "account_id": account_id, "cached": posted, "postings": int(total)}
        for account_id, posted, total in _rows(
            cursor,
            "SELECT a.id, a.posted, coalesce(s.total, 0) FROM ledger_account a LEFT JOIN"
            " (SELECT account_id, sum(amount) AS total FROM ledger_posting GROUP BY account_id) s"
            " ON s.account_id = a.id WHERE a.posted <> coalesce(s.total, 0) ORDER BY 1 LIMIT %s",
            [MAX_LISTED],
        )
    ]


def balance_after_check(cursor: Any, totals: Totals) -> list[Mismatch]:
    """Every cached balance equals its account's last posting's balance_after."""
    return [
        {"check": "balance_after", "account_id": account_id, "cached": posted, "last_balance_after": last}
        for account_id, posted, last in _rows(
            cursor,
            "SELECT a.id, a.posted, l.balance_after FROM ledger_account a CROSS JOIN LATERAL"
            " (SELECT p.balance_after FROM ledger_posting p WHERE p.account_id = a.id ORDER BY p.id DESC LIMIT 1) l"
            " WHERE l.balance_after <> a.posted ORDER BY 1 LIMIT %s",
            [MAX_LISTED],
        )
    ]


def held_check(cursor: Any, totals: Totals) -> list[Mismatch]:
    """Every held amount equals the sum of the account's open holds."""
    return [
        {"check": "held", "account_id": account_id, "cached": held, "open_holds": int(open_total)}
        for account_id, held, open_total in _rows(
            cursor,
            "SELECT a.id, a.held, coalesce(h.total, 0) FROM ledger_account a LEFT JOIN"
            " (SELECT account_id, sum(amount) AS total FROM ledger_hold WHERE status = 'open' GROUP BY account_id) h"
            " ON h.account_id = a.id WHERE a.held <> coalesce(h.total, 0) ORDER BY 1 LIMIT %s",
            [MAX_LISTED],
        )
    ]


def negative_balance_check(cursor: Any, totals: Totals) -> list[Mismatch]:
    """No account that may not go negative is negative."""
    return [
        {"check": "negative_balance", "account_id": account_id, "posted": posted}
        for account_id, posted in _rows(
            cursor,
            "SELECT id, posted FROM ledger_account WHERE posted < 0 AND NOT allow_negative ORDER BY 1 LIMIT %s",
            [MAX_LISTED],
        )
    ]


def shop_holds_check(cursor: Any, totals: Totals) -> list[Mismatch]:
    """The shop-holds shards hold exactly the open holds."""
    shards = totals.by_kind.get(AccountKind.SHOP_HOLDS, 0)
    if shards == totals.open_holds:
        return []
    return [{"check": "shop_holds", "shards": shards, "open_holds": totals.open_holds}]


def issuance_check(cursor: Any, totals: Totals) -> list[Mismatch]:
    """Issued = in circulation + redeemed + forfeited."""
    if totals.issued == totals.circulation + totals.redeemed + totals.forfeited:
        return []
    return [
        {
            "check": "issuance",
            "issued": totals.issued,
            "in_circulation": totals.circulation,
            "redeemed": totals.redeemed,
            "forfeited": totals.forfeited,
        }
    ]


def funding_source_use_check(cursor: Any, totals: Totals) -> list[Mismatch]:
    """The funding source moves only in funding transactions (or their reversals)."""
    return [
        {"check": "funding_source_use", "transaction_id": tx_id, "kind": kind}
        for tx_id, kind in _rows(
            cursor,
            "SELECT DISTINCT t.id, t.kind FROM ledger_account a JOIN ledger_posting p ON p.account_id = a.id"
            " JOIN ledger_transaction t ON t.id = p.transaction_id"
            " WHERE a.kind = %s AND t.kind NOT IN (%s, %s) ORDER BY 1 LIMIT %s",
            [AccountKind.FUNDING_SOURCE, TransactionKind.FUNDING, TransactionKind.REVERSAL, MAX_LISTED],
        )
    ]


def funding_record_check(cursor: Any, totals: Totals) -> list[Mismatch]:
    """Each funding has its CNY record, for the points it credited: every issued point traces back."""
    return [
        {"check": "funding_record", "transaction_id": tx_id, "recorded": points, "credited": credited}
        for tx_id, points, credited in _rows(
            cursor,
            "SELECT t.id, f.points, c.credited FROM ledger_transaction t"
            " LEFT JOIN ledger_funding f ON f.transaction_id = t.id"
            " LEFT JOIN (SELECT transaction_id, sum(amount) AS credited FROM ledger_posting WHERE amount > 0"
            "  GROUP BY transaction_id) c ON c.transaction_id = t.id"
            " WHERE t.kind = %s AND (f.id IS NULL OR f.points <> c.credited) ORDER BY 1 LIMIT %s",
            [TransactionKind.FUNDING, MAX_LISTED],
        )
    ]


def opaque_ref_check(cursor: Any, totals: Totals) -> list[Mismatch]:
    """Opaque references (ledger.models.OpaqueRef) are whole: each one's transaction carries its type
    and token, and no transaction of an opaque type goes without its row. Lists transaction ids only."""
    return [
        {"check": "opaque_ref", "transaction_id": tx_id}
        for (tx_id,) in _rows(
            cursor,
            "SELECT t.id FROM ledger_transaction t LEFT JOIN ledger_opaqueref o ON o.transaction_id = t.id"
            " WHERE (o.id IS NOT NULL AND (t.ref_type <> o.opaque_type OR t.ref_id IS DISTINCT FROM o.token))"
            " OR (o.id IS NULL AND t.ref_type IN (SELECT DISTINCT opaque_type FROM ledger_opaqueref))"
            " ORDER BY 1 LIMIT %s",
            [MAX_LISTED],
        )
    ]


def cause_checks(cursor: Any, totals: Totals) -> list[Mismatch]:
    """The apps' checks of their causes (CAUSE_CHECKS), each listing at most MAX_LISTED."""
    return [mismatch for check in CAUSE_CHECKS for mismatch in check(cursor)[:MAX_LISTED]]


# In the order the report lists their mismatches; the hash chain is verified last (chain_verify).
LEDGER_CHECKS: tuple[Callable[[Any, Totals], list[Mismatch]], ...] = (
    postings_per_transaction_check,
    balance_row_check,
    balance_after_check,
    held_check,
    negative_balance_check,
    shop_holds_check,
    issuance_check,
    funding_source_use_check,
    funding_record_check,
    opaque_ref_check,
    cause_checks,
)


def reconciliation_report(*, seal: bool = True) -> dict[str, Any]:
    """Seal what is committed, then run every check over one snapshot; the API's reconciliation body."""
    if seal:
        ledger_seal()
    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost:  # one snapshot for every check (inside a caller's transaction we share theirs)
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        # Aggregates over every posting: let them hash in memory rather than sort on disk.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        as_of = timezone.now()
        (tx_count,) = _rows(cursor, "SELECT count(*) FROM ledger_transaction")[0]
        (posting_count,) = _rows(cursor, "SELECT count(*) FROM ledger_posting")[0]
        (account_count,) = _rows(cursor, "SELECT count(*) FROM ledger_account")[0]
        totals = totals_read(cursor)
        mismatches = [mismatch for check in LEDGER_CHECKS for mismatch in check(cursor, totals)]
        chain = chain_verify(cursor)
        if not chain["ok"]:
            mismatches.append({"check": "chain", **chain})
    rate = Decimal(str(settings.FZB_CNY_RATE))
    return {
        "ok": not mismatches,
        "as_of": as_of,
        "transactions": tx_count,
        "postings": posting_count,
        "accounts_checked": account_count,
        "mismatches": mismatches,
        "chain_ok": chain["ok"],
        "chain": chain,
        "unsealed": tx_count - chain["sealed"],
        "total_issued": totals.issued,
        "total_redeemed": totals.redeemed,
        "total_forfeited": totals.forfeited,
        "in_circulation": totals.circulation,
        "open_holds": totals.open_holds,
        "fzb_cny_rate": str(rate),
        "in_circulation_cny": str((Decimal(totals.circulation) * rate).quantize(Decimal("0.01"))),
        "funded_cny": str(totals.funded_cny.quantize(Decimal("0.01"))),
    }


def reconciliation_run() -> ReconciliationRun:
    """Reconcile, store the result as a ReconciliationRun, and return it."""
    started = time.monotonic()
    report = reconciliation_report()
    duration_ms = int((time.monotonic() - started) * 1000)
    stored = {**report, "as_of": report["as_of"].isoformat()}
    return ReconciliationRun.objects.create(
        ok=report["ok"], chain_ok=report["chain_ok"], report=stored, duration_ms=duration_ms
    )
