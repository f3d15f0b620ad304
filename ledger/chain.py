"""The ledger's hash chain: every committed transaction, in id order, sealed with the hash of the
previous seal and of its own canonical text (its fields, then its postings), so an edit made behind
the database triggers' back shows when the chain is verified.

PostgreSQL computes the canonical text for both sealing (ledger_seal) and verifying (chain_verify),
so the two can never disagree on formatting; chain_hash is the same SHA-256 in Python.
"""

import hashlib
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

SEAL_LOCK = 0x46554249  # "FUBI": the advisory lock that makes one sealer at a time
GENESIS = "0" * 64
# The canonical text of a transaction, computed by PostgreSQL for both sealing and verifying, so the
# two can never disagree on formatting.
# The transaction's own fields, then its postings in id order.
TX_CANONICAL_SQL = (
    "t.id::text || '|' || t.kind || '|' || t.idempotency_key || '|' || t.memo || '|' || t.ref_type || '|'"
    " || coalesce(t.ref_id::text, '') || '|' || coalesce(t.reverses_id::text, '') || '|'"
    " || (extract(epoch from t.created_at) * 1000000)::bigint::text || '|'"
)
LEGS_AGG_SQL = "string_agg(p.account_id::text || ':' || p.currency || ':' || p.amount::text, ',' ORDER BY p.id)"
CANONICAL_SQL = (
    f"{TX_CANONICAL_SQL} || coalesce((SELECT {LEGS_AGG_SQL} FROM ledger_posting p WHERE p.transaction_id = t.id), '')"  # noqa: S608
)


def chain_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def ledger_seal(*, batch: int = 5000) -> int:
    """Append committed, unsealed transactions to the hash chain in id order; return how many.

    Runs under a PostgreSQL advisory lock, so concurrent sealers wait for each other rather than fork
    the chain. Safe to run any number of times.
    """
    sealed = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK])
            cursor.execute("SELECT seq, hash, transaction_id FROM ledger_chainseal ORDER BY seq DESC LIMIT 1")
            last = cursor.fetchone()
            seq, prev_hash, last_tx = last if last else (0, GENESIS, 0)
            # Unsealed transactions: usually all above the last sealed id; a slow committer with a lower
            # id is caught by the NOT EXISTS over the recent window.
            unsealed_sql = (
                " WHERE t.id > %s - 100000"
                " AND NOT EXISTS (SELECT 1 FROM ledger_chainseal s WHERE s.transaction_id = t.id)"
                " ORDER BY t.id LIMIT %s"
            )
            select_sql = f"SELECT t.id, {CANONICAL_SQL} FROM ledger_transaction t"  # noqa: S608 - constant SQL
            cursor.execute(select_sql + unsealed_sql, [last_tx, batch])
            rows = cursor.fetchall()
            if not rows:
                return sealed
            now = timezone.now()
            values: list = []
            for tx_id, canonical in rows:
                seq += 1
                digest = chain_hash(prev_hash, canonical)
                values.extend([seq, tx_id, prev_hash, digest, now])
                prev_hash = digest
            placeholders = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
            seal_sql = "INSERT INTO ledger_chainseal (seq, transaction_id, prev_hash, hash, created_at)"
            cursor.execute(f"{seal_sql} VALUES {placeholders}", values)
            sealed += len(rows)
            if len(rows) < batch:
                return sealed


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
