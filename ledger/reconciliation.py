"""Reconciliation: prove from the postings alone that the books are whole.

Checks, all in SQL over one REPEATABLE READ snapshot (set-based, so a million postings take seconds):
every transaction sums to zero per currency and has at least two postings; every cached balance row
equals the sum of its postings and its last posting's balance_after; every held amount equals the
account's open holds; the shop-holds shards hold exactly the open holds; no account that may not go
negative is negative; issued = in circulation + redeemed + forfeited; and the hash chain verifies
(each seal's hash recomputed by PostgreSQL from its transaction and postings, each prev_hash equal to
the previous seal's hash, seq gapless).
"""

import time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ledger.models import ReconciliationRun
from ledger.services import GENESIS, LEGS_AGG_SQL, TX_CANONICAL_SQL, ledger_seal

MAX_LISTED = 50  # mismatches listed per check; the counts are always complete


def _rows(cursor: Any, sql: str, params: list | None = None) -> list[tuple]:
    cursor.execute(sql, params or [])
    return cursor.fetchall()


def chain_verify(cursor: Any) -> dict[str, Any]:
    """Recompute every seal in PostgreSQL; return counts of bad hashes and broken links."""
    # Set-based: the postings of every transaction aggregated in one pass (a join, not a subquery per
    # transaction); the text is the same expression the sealer hashed.
    bad = "c.hash <> encode(sha256(convert_to(c.prev_hash || c.canonical, 'UTF8')), 'hex')"
    legs = f"SELECT p.transaction_id, {LEGS_AGG_SQL} AS legs FROM ledger_posting p GROUP BY p.transaction_id"  # noqa: S608
    seals = (
        f"SELECT s.seq, s.transaction_id, s.prev_hash, s.hash, {TX_CANONICAL_SQL} || coalesce(pl.legs, '')"  # noqa: S608
        " AS canonical, lag(s.hash) OVER (ORDER BY s.seq) AS lag_hash, row_number() OVER (ORDER BY s.seq) AS rn"
        f" FROM ledger_chainseal s JOIN ledger_transaction t ON t.id = s.transaction_id LEFT JOIN ({legs}) pl"
        " ON pl.transaction_id = t.id"
    )
    checks = (
        f"count(*) FILTER (WHERE {bad}), count(*) FILTER (WHERE c.prev_hash <> coalesce(c.lag_hash, %s)),"
        f" count(*) FILTER (WHERE c.seq <> c.rn), count(*), min(c.transaction_id) FILTER (WHERE {bad})"
    )
    cursor.execute(f"SELECT {checks} FROM ({seals}) c", [GENESIS])  # noqa: S608 - constant SQL, no user input
    bad_hash, bad_link, bad_seq, sealed, first_bad = cursor.fetchone()
    return {
        "ok": bad_hash == 0 and bad_link == 0 and bad_seq == 0,
        "sealed": sealed,
        "bad_hashes": bad_hash,
        "broken_links": bad_link,
        "seq_gaps": bad_seq,
        "first_bad_transaction_id": first_bad,
    }


def reconciliation_report(*, seal: bool = True) -> dict[str, Any]:
    """Seal what is committed, then check the whole ledger; the API's reconciliation body."""
    if seal:
        ledger_seal()
    mismatches: list[dict[str, Any]] = []
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

        # One pass over the postings: per transaction, the number of postings and whether any currency
        # fails to sum to zero; then transactions with no posting at all.
        for tx_id, count, unbalanced in _rows(
            cursor,
            "SELECT transaction_id, sum(n), bool_or(total <> 0) FROM"
            " (SELECT transaction_id, count(*) AS n, sum(amount) AS total FROM ledger_posting"
            "  GROUP BY transaction_id, currency) g"
            " GROUP BY transaction_id HAVING sum(n) < 2 OR bool_or(total <> 0) ORDER BY 1 LIMIT %s",
            [MAX_LISTED],
        ):
            check = "unbalanced_transaction" if unbalanced else "fewer_than_two_postings"
            mismatches.append({"check": check, "transaction_id": tx_id, "postings": int(count)})
        for (tx_id,) in _rows(
            cursor,
            "SELECT t.id FROM ledger_transaction t"
            " WHERE NOT EXISTS (SELECT 1 FROM ledger_posting p WHERE p.transaction_id = t.id) ORDER BY 1 LIMIT %s",
            [MAX_LISTED],
        ):
            mismatches.append({"check": "fewer_than_two_postings", "transaction_id": tx_id, "postings": 0})

        for account_id, posted, total in _rows(
            cursor,
            "SELECT a.id, a.posted, coalesce(s.total, 0) FROM ledger_account a LEFT JOIN"
            " (SELECT account_id, sum(amount) AS total FROM ledger_posting GROUP BY account_id) s"
            " ON s.account_id = a.id WHERE a.posted <> coalesce(s.total, 0) ORDER BY 1 LIMIT %s",
            [MAX_LISTED],
        ):
            mismatches.append(
                {"check": "balance_row", "account_id": account_id, "cached": posted, "postings": int(total)}
            )
        for account_id, posted, last in _rows(
            cursor,
            "SELECT a.id, a.posted, l.balance_after FROM ledger_account a CROSS JOIN LATERAL"
            " (SELECT p.balance_after FROM ledger_posting p WHERE p.account_id = a.id ORDER BY p.id DESC LIMIT 1) l"
            " WHERE l.balance_after <> a.posted ORDER BY 1 LIMIT %s",
            [MAX_LISTED],
        ):
            mismatches.append(
                {"check": "balance_after", "account_id": account_id, "cached": posted, "last_balance_after": last}
            )
        for account_id, held, open_total in _rows(
            cursor,
            "SELECT a.id, a.held, coalesce(h.total, 0) FROM ledger_account a LEFT JOIN"
            " (SELECT account_id, sum(amount) AS total FROM ledger_hold WHERE status = 'open' GROUP BY account_id) h"
            " ON h.account_id = a.id WHERE a.held <> coalesce(h.total, 0) ORDER BY 1 LIMIT %s",
            [MAX_LISTED],
        ):
            mismatches.append(
                {"check": "held", "account_id": account_id, "cached": held, "open_holds": int(open_total)}
            )
        for account_id, posted in _rows(
            cursor,
            "SELECT id, posted FROM ledger_account WHERE posted < 0 AND NOT allow_negative ORDER BY 1 LIMIT %s",
            [MAX_LISTED],
        ):
            mismatches.append({"check": "negative_balance", "account_id": account_id, "posted": posted})

        totals = dict(_rows(cursor, "SELECT kind, coalesce(sum(posted), 0) FROM ledger_account GROUP BY kind"))
        totals = {kind: int(value) for kind, value in totals.items()}
        (open_holds,) = _rows(cursor, "SELECT coalesce(sum(amount), 0) FROM ledger_hold WHERE status = 'open'")[0]
        if totals.get("shop_holds", 0) != int(open_holds):
            mismatches.append(
                {"check": "shop_holds", "shards": totals.get("shop_holds", 0), "open_holds": int(open_holds)}
            )
        issued = -totals.get("funding_source", 0)
        redeemed = totals.get("redeemed", 0)
        forfeited = totals.get("forfeited", 0)
        circulation = sum(totals.get(kind, 0) for kind in ("citizen", "agency_budget", "agency_escrow", "shop_holds"))
        if issued != circulation + redeemed + forfeited:
            mismatches.append(
                {
                    "check": "issuance",
                    "issued": issued,
                    "in_circulation": circulation,
                    "redeemed": redeemed,
                    "forfeited": forfeited,
                }
            )
        (funded_cny,) = _rows(cursor, "SELECT coalesce(sum(cny), 0) FROM ledger_funding")[0]
        # Every issued point traces back to a recorded funding: the funding source moves only in
        # funding transactions (or their reversals), and each funding has its CNY record for the
        # points it credited.
        for tx_id, kind in _rows(
            cursor,
            "SELECT DISTINCT t.id, t.kind FROM ledger_account a JOIN ledger_posting p ON p.account_id = a.id"
            " JOIN ledger_transaction t ON t.id = p.transaction_id"
            " WHERE a.kind = 'funding_source' AND t.kind NOT IN ('funding', 'reversal') ORDER BY 1 LIMIT %s",
            [MAX_LISTED],
        ):
            mismatches.append({"check": "funding_source_use", "transaction_id": tx_id, "kind": kind})
        for tx_id, points, credited in _rows(
            cursor,
            "SELECT t.id, f.points, c.credited FROM ledger_transaction t"
            " LEFT JOIN ledger_funding f ON f.transaction_id = t.id"
            " LEFT JOIN (SELECT transaction_id, sum(amount) AS credited FROM ledger_posting WHERE amount > 0"
            "  GROUP BY transaction_id) c ON c.transaction_id = t.id"
            " WHERE t.kind = 'funding' AND (f.id IS NULL OR f.points <> c.credited) ORDER BY 1 LIMIT %s",
            [MAX_LISTED],
        ):
            mismatches.append(
                {"check": "funding_record", "transaction_id": tx_id, "recorded": points, "credited": credited}
            )

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
        "total_issued": issued,
        "total_redeemed": redeemed,
        "total_forfeited": forfeited,
        "in_circulation": circulation,
        "open_holds": int(open_holds),
        "fzb_cny_rate": str(rate),
        "in_circulation_cny": str((Decimal(circulation) * rate).quantize(Decimal("0.01"))),
        "funded_cny": str(Decimal(funded_cny).quantize(Decimal("0.01"))),
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
