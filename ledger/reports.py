"""Auditor reports: the trial balance and the Beancount and CSV exports, read from one snapshot."""

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from ledger.models import Account, Funding, Posting, Transaction

EXPORT_CHUNK = 5000


def _snapshot() -> Any:
    """An atomic block that reads one consistent snapshot when it is the outermost transaction."""
    outermost = not connection.in_atomic_block
    block = transaction.atomic()

    class _Snapshot:
        def __enter__(self) -> None:
            block.__enter__()
            if outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

        def __exit__(self, *exc: object) -> None:
            block.__exit__(*exc)

    return _Snapshot()


def trial_balance() -> list[dict[str, Any]]:
    """Every account with its debits, credits and balance = debits − credits (they sum to zero)."""
    with _snapshot(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, a.currency, coalesce(s.debits, 0), coalesce(s.credits, 0) FROM ledger_account a"
            " LEFT JOIN (SELECT account_id, sum(amount) FILTER (WHERE amount > 0) AS debits,"
            " -sum(amount) FILTER (WHERE amount < 0) AS credits FROM ledger_posting GROUP BY account_id) s"
            " ON s.account_id = a.id ORDER BY a.id"
        )
        sums = {row[0]: row[1:] for row in cursor.fetchall()}
        accounts = Account.objects.in_bulk(list(sums))
    rows = []
    for account_id, (currency, debits, credits) in sums.items():
        account = accounts[account_id]
        rows.append(
            {
                "account": account.label,
                "account_id": account_id,
                "kind": account.kind,
                "currency": currency,
                "debits": int(debits),
                "credits": int(credits),
                "balance": int(debits) - int(credits),
            }
        )
    return rows


def _quote(text: str) -> str:
    """A Beancount string literal: one line, quotes and backslashes escaped."""
    clean = " ".join(str(text).split())
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _postings_by_transaction() -> Iterator[tuple[Transaction, list[tuple[int, int, str, int]]]]:
    """Transactions in id order with their postings, streamed in chunks."""
    postings = Posting.objects.order_by("transaction_id", "id").values_list(
        "transaction_id", "account_id", "amount", "currency", "balance_after"
    )
    current: int | None = None
    legs: list[tuple[int, int, str, int]] = []
    transactions: dict[int, Transaction] = {}
    for tx_id, account_id, amount, currency, balance_after in postings.iterator(chunk_size=EXPORT_CHUNK):
        if tx_id != current:
            if current is not None:
                yield transactions.pop(current), legs
            current, legs = tx_id, []
            if tx_id not in transactions:
                batch = Transaction.objects.filter(id__gte=tx_id).order_by("id")[:EXPORT_CHUNK]
                transactions = {tx.id: tx for tx in batch}
        legs.append((account_id, amount, currency, balance_after))
    if current is not None:
        yield transactions.pop(current), legs


def beancount_export() -> Iterator[str]:
    """The whole ledger as a Beancount file: one balanced transaction per ledger transaction, and a
    balance assertion per account after the last day, so bean-check also proves the cached balances."""
    with _snapshot():
        accounts = {a.id: a for a in Account.objects.order_by("id")}
        fundings = {f.transaction_id: f for f in Funding.objects.all()}
        yield 'option "title" "Fubi points ledger (FZB)"\n'
        yield 'option "operating_currency" "CNY"\n\n'
        yield "2000-01-01 commodity FZB\n"
        yield '  name: "Fubi points"\n'
        yield "2000-01-01 commodity CNY\n\n"
        for account in accounts.values():
            yield f"2000-01-01 open {account.beancount_name} FZB\n"
        yield "\n"
        last_day = timezone.localdate()
        for tx, legs in _postings_by_transaction():
            day: date = timezone.localtime(tx.created_at).date()
            last_day = max(last_day, day)
            lines = [f"{day.isoformat()} * {_quote(tx.kind)} {_quote(tx.memo or tx.kind)}"]
            lines.append(f"  ledger-id: {tx.id}")
            lines.append(f"  idempotency-key: {_quote(tx.idempotency_key)}")
            if tx.ref_type:
                lines.append(f"  ref: {_quote(f'{tx.ref_type}:{tx.ref_id}')}")
            if tx.id in fundings:
                lines.append(f"  cny: {_quote(str(fundings[tx.id].cny.amount))}")
            lines.extend(
                f"  {accounts[account_id].beancount_name}  {amount} {currency}"
                for account_id, amount, currency, _ in legs
            )
            yield "\n".join(lines) + "\n\n"
        check_day = (last_day + timedelta(days=1)).isoformat()
        for account in accounts.values():
            yield f"{check_day} balance {account.beancount_name}  {account.posted} FZB\n"


CSV_HEADER = [
    "posting_id",
    "transaction_id",
    "created_at",
    "kind",
    "account",
    "account_kind",
    "amount",
    "currency",
    "balance_after",
    "idempotency_key",
    "ref",
    "memo",
]


def csv_export() -> Iterator[str]:
    """Every posting as a CSV row, in posting order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    with _snapshot():
        accounts = {a.id: a for a in Account.objects.order_by("id")}
        writer.writerow(CSV_HEADER)
        yield flush()
        rows = Posting.objects.order_by("id").values_list(
            "id",
            "transaction_id",
            "created_at",
            "transaction__kind",
            "account_id",
            "amount",
            "currency",
            "balance_after",
            "transaction__idempotency_key",
            "transaction__ref_type",
            "transaction__ref_id",
            "transaction__memo",
        )
        for n, row in enumerate(rows.iterator(chunk_size=EXPORT_CHUNK), start=1):
            pid, tx_id, created, kind, account_id, amount, currency, after, key, ref_type, ref_id, memo = row
            account = accounts[account_id]
            ref = f"{ref_type}:{ref_id}" if ref_type else ""
            # A leading =, +, - or @ would make a spreadsheet run the cell as a formula.
            safe_memo = f"'{memo}" if memo[:1] in ("=", "+", "-", "@") else memo
            writer.writerow(
                [
                    pid,
                    tx_id,
                    created.isoformat(),
                    kind,
                    account.beancount_name,
                    account.kind,
                    amount,
                    currency,
                    after,
                    key,
                    ref,
                    safe_memo,
                ]
            )
            if n % 1000 == 0:
                yield flush()
        yield flush()
