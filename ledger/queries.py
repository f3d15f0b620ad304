"""The ledger's fast paths: the statements every movement runs, each a named function with keyword
arguments, run as prepared statements (core.rows).

Why hand-written: a transfer is two round trips — (1) take the idempotency key and lock the balance
rows, (2) write the postings and the balances — where the ORM needs a statement per row and compiles
each in Python; both run thousands of times a second with the same shape, so they are prepared once
per connection (docs/decisions.md, docs/performance.md). ledger/tests/test_queries.py holds each
answer equal to the ORM's.
The domain's steps around them (check the key, check the balances) live in ledger.services._post.
"""

from datetime import datetime

from core.rows import PlainRead, prepared_cursor
from ledger.models import POINTS, Account, AccountKind, Posting, Transaction

_ACCOUNT = f'"{Account._meta.db_table}"'
_TRANSACTION = f'"{Transaction._meta.db_table}"'
_POSTING = f'"{Posting._meta.db_table}"'

_CITIZEN_ACCOUNT = PlainRead(Account, where=f"{_ACCOUNT}.kind = %(kind)s AND {_ACCOUNT}.user_id = %(user_id)s")
_SYSTEM_ACCOUNT = PlainRead(Account, where=f"{_ACCOUNT}.kind = %(kind)s AND {_ACCOUNT}.shard = %(shard)s")

# Step 1: the key first (the CTE's INSERT runs before any row is locked; ON CONFLICT covers the
# idempotency key and the one-reversal rule), then the balance rows locked in primary-key order, so
# two opposite transfers lock in the same order and cannot deadlock.
_TAKE_AND_LOCK_SQL = (
    f"WITH t AS (INSERT INTO {_TRANSACTION}"  # noqa: S608 - table names, values as parameters
    " (kind, memo, idempotency_key, ref_type, ref_id, initiated_by_id, reverses_id, created_at)"
    " VALUES (%(kind)s, %(memo)s, %(idempotency_key)s, %(ref_type)s, %(ref_id)s, %(initiated_by_id)s,"
    " %(reverses_id)s, %(created_at)s) ON CONFLICT DO NOTHING RETURNING id)"
    f" SELECT (SELECT id FROM t), a.id, a.posted, a.held, a.allow_negative FROM {_ACCOUNT} a"
    " WHERE a.id = ANY(%(account_ids)s) ORDER BY a.id FOR NO KEY UPDATE OF a"
)
# Step 2: the postings (in the legs' order) and the balance rows, in one statement whose text is the
# same for any number of legs (one prepared statement).
_POSTINGS_WRITE_SQL = (
    f"WITH p AS (INSERT INTO {_POSTING}"  # noqa: S608 - table names, values as parameters
    " (transaction_id, account_id, amount, currency, balance_after, created_at)"
    " SELECT %(transaction_id)s, l.account_id, l.amount, %(currency)s, l.balance_after, %(now)s"
    " FROM unnest(%(leg_accounts)s::bigint[], %(leg_amounts)s::bigint[], %(leg_balances)s::bigint[])"
    " WITH ORDINALITY AS l(account_id, amount, balance_after, n) ORDER BY l.n)"
    f" UPDATE {_ACCOUNT} AS a SET posted = v.posted, held = v.held, updated_at = %(now)s"
    " FROM unnest(%(account_ids)s::bigint[], %(posted)s::bigint[], %(held)s::bigint[]) AS v(id, posted, held)"
    " WHERE a.id = v.id"
)


def citizen_account_get(*, user_id: int) -> Account | None:
    """The citizen's wallet if it exists, or None (every transfer to or from a citizen reads it).
    Replaces ``Account.objects.filter(kind=CITIZEN, user_id=user_id).first()``."""
    return _CITIZEN_ACCOUNT.get(kind=AccountKind.CITIZEN, user_id=user_id)


def system_account_get(*, kind: str, shard: int) -> Account | None:
    """One shard of a system account if it exists, or None.
    Replaces ``Account.objects.filter(kind=kind, shard=shard, user=None, agency=None).first()``."""
    return _SYSTEM_ACCOUNT.get(kind=kind, shard=shard)


def transaction_insert_and_lock(
    *, transaction: Transaction, account_ids: list[int]
) -> list[tuple[int, int, int, bool]]:
    """Insert the unsaved ``transaction`` unless its idempotency key (or the transaction it reverses)
    is taken — then it stays unsaved (pk None): a replay, or a racer whose commit we waited for —
    and lock the balance rows of ``account_ids`` FOR NO KEY UPDATE in id order, in one round trip.
    Answers (account id, posted, held, allow_negative) per locked row, in id order; an id that names
    no account is left out. Must run inside atomic()."""
    with prepared_cursor() as cursor:
        cursor.execute(
            _TAKE_AND_LOCK_SQL,
            {
                "kind": transaction.kind,
                "memo": transaction.memo,
                "idempotency_key": transaction.idempotency_key,
                "ref_type": transaction.ref_type,
                "ref_id": transaction.ref_id,
                "initiated_by_id": transaction.initiated_by_id,
                "reverses_id": transaction.reverses_id,
                "created_at": transaction.created_at,
                "account_ids": account_ids,
            },
        )
        rows = cursor.fetchall()
    if rows and rows[0][0] is not None:
        transaction.pk = rows[0][0]
        transaction._state.adding = False
        transaction._state.db = "default"
    return [row[1:] for row in rows]


def postings_write(
    *,
    transaction_id: int,
    legs: list[tuple[int, int, int]],
    balances: dict[int, tuple[int, int]],
    now: datetime,
) -> None:
    """Write the transaction's postings — ``legs`` as (account id, amount, balance after), in this
    order — and set each account's balance from ``balances`` {account id: (posted, held)}, in one
    statement. The deferred triggers check the sum and the count of postings at commit."""
    with prepared_cursor() as cursor:
        cursor.execute(
            _POSTINGS_WRITE_SQL,
            {
                "transaction_id": transaction_id,
                "currency": POINTS,
                "now": now,
                "leg_accounts": [leg[0] for leg in legs],
                "leg_amounts": [leg[1] for leg in legs],
                "leg_balances": [leg[2] for leg in legs],
                "account_ids": list(balances),
                "posted": [posted for posted, _held in balances.values()],
                "held": [held for _posted, held in balances.values()],
            },
        )
