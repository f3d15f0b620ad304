"""Every write of the ledger. The only way points move in Fubi.

How one movement works (`_post`), in two statements and a commit:
1. One statement takes the idempotency key first (INSERT of the transaction row, ON CONFLICT DO
   NOTHING; a replay, or a racer holding the same key whom we wait for, finds the first row and moves
   nothing) and then locks every touched balance row FOR NO KEY UPDATE in primary-key order, so two
   opposite transfers always lock in the same order and cannot deadlock.
2. Python checks the available balances; one statement inserts the postings (with balance_after)
   and updates the balance rows.
3. At commit, deferred constraint triggers check that the transaction sums to zero per currency and
   has at least two postings; a CHECK constraint on the balance row refuses a negative available
   balance. PostgreSQL holds the rules even against code that bypasses this module.
"""

import hashlib
from decimal import Decimal

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money

from accounts.models import Agency, User
from core.errors import DomainError
from core.rows import PlainRead, prepared_cursor
from ledger.errors import (
    AlreadyReversedError,
    HoldClosedError,
    IdempotencyConflictError,
    InsufficientFundsError,
    InvalidAmountError,
    InvalidTransferError,
    NotReversibleError,
)
from ledger.models import (
    SYSTEM_SHARDS,
    Account,
    AccountKind,
    Funding,
    Hold,
    HoldStatus,
    Posting,
    Transaction,
    TransactionKind,
)

MAX_AMOUNT = 10**15  # far above any real movement, far below BIGINT's limit
TRANSACTION_KINDS = frozenset(TransactionKind.values)
HOLD_KINDS = {TransactionKind.REDEMPTION_HOLD, TransactionKind.CAPTURE, TransactionKind.RELEASE}


# --- accounts ---------------------------------------------------------------------------------


# Every transfer looks its accounts up: the reads of accounts that exist, built once (core.rows).
_ACCOUNT = f'"{Account._meta.db_table}"'
CITIZEN_ACCOUNT = PlainRead(Account, where=f"{_ACCOUNT}.kind = %s AND {_ACCOUNT}.user_id = %s")
SYSTEM_ACCOUNT = PlainRead(Account, where=f"{_ACCOUNT}.kind = %s AND {_ACCOUNT}.shard = %s")


def citizen_account(user: User) -> Account:
    """The citizen's wallet, created on first use (race-safe)."""
    account = CITIZEN_ACCOUNT.get(AccountKind.CITIZEN, user.pk)
    if account is None:
        account, _created = Account.objects.get_or_create(kind=AccountKind.CITIZEN, user=user)
    return account


def agency_budget_account(agency: Agency) -> Account:
    """The agency's points budget, created on first use (race-safe)."""
    account, _created = Account.objects.get_or_create(kind=AccountKind.AGENCY_BUDGET, agency=agency)
    return account


def agency_escrow_account(agency: Agency) -> Account:
    """The agency's task escrow (per agency, so no shared hot row), created on first use."""
    account, _created = Account.objects.get_or_create(kind=AccountKind.AGENCY_ESCROW, agency=agency)
    return account


def system_shard(counterparty_id: int) -> int:
    """Which shard of a system account serves this counterparty: a multiplicative hash of its id."""
    return ((counterparty_id * 2654435761) & 0xFFFFFFFF) % SYSTEM_SHARDS


def system_account(kind: str, *, counterparty_id: int) -> Account:
    """One shard of a system account (funding source, shop holds, redeemed, forfeited)."""
    shard = system_shard(counterparty_id)
    account = SYSTEM_ACCOUNT.get(kind, shard)
    if account is not None:
        return account
    account, _created = Account.objects.get_or_create(
        kind=kind,
        shard=shard,
        defaults={"allow_negative": kind == AccountKind.FUNDING_SOURCE},
    )
    return account


# --- the core ---------------------------------------------------------------------------------


def _ref(ref: models.Model | None) -> tuple[str, int | None]:
    if ref is None:
        return "", None
    return ref._meta.label_lower, ref.pk


def _check_amount(amount: object) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise InvalidAmountError(amount=str(amount))
    return amount


def _check_key(idempotency_key: object) -> None:
    if not isinstance(idempotency_key, str) or not 0 < len(idempotency_key) <= 200 or "\x00" in idempotency_key:
        raise InvalidTransferError(_("An idempotency key of 1 to 200 characters is required."))


def _same_movement(tx: Transaction, kind: str, legs: list[tuple[int, int]]) -> bool:
    if tx.kind != kind:
        return False
    stored = sorted(Posting.objects.filter(transaction=tx).values_list("account_id", "amount"))
    return stored == sorted(legs)


def _post(
    *,
    kind: str,
    legs: list[tuple[int, int]],
    idempotency_key: str,
    memo: str = "",
    ref_type: str = "",
    ref_id: int | None = None,
    initiated_by: User | None = None,
    reverses: Transaction | None = None,
    held_deltas: dict[int, int] | None = None,
    error_class: type[DomainError] = InsufficientFundsError,
) -> tuple[Transaction, bool]:
    """Post one balanced transaction; return (transaction, created). Must run inside atomic()."""
    _check_key(idempotency_key)
    if kind not in TRANSACTION_KINDS:
        raise InvalidTransferError(_("Unknown transaction kind."), kind=kind)
    if sum(amount for _account, amount in legs) != 0 or len(legs) < 2:
        raise InvalidTransferError(_("The postings must sum to zero."))
    held_deltas = held_deltas or {}
    memo = str(memo).replace("\x00", "")[:500]  # PostgreSQL text cannot hold NUL
    now = timezone.now()
    initiated_by_id = initiated_by.pk if initiated_by is not None else None
    # Both statements run thousands of times per second with the same shape: prepared once per
    # connection (core.rows.prepared_cursor), no parse and plan per call.
    with prepared_cursor() as cursor:
        # 1 + 2 in one round trip: the key first (the CTE's INSERT runs before any row is locked; ON
        # CONFLICT covers the idempotency key and the one-reversal rule), then the balance rows locked
        # in primary-key order.
        account_ids = sorted({account_id for account_id, _amount in legs} | set(held_deltas))
        cursor.execute(
            "WITH t AS (INSERT INTO ledger_transaction"
            " (kind, memo, idempotency_key, ref_type, ref_id, initiated_by_id, reverses_id, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id)"
            " SELECT (SELECT id FROM t), a.id, a.posted, a.held, a.allow_negative FROM ledger_account a"
            " WHERE a.id = ANY(%s) ORDER BY a.id FOR NO KEY UPDATE OF a",
            [
                kind,
                memo,
                idempotency_key,
                ref_type,
                ref_id,
                initiated_by_id,
                reverses and reverses.pk,
                now,
                account_ids,
            ],
        )
        rows = cursor.fetchall()
        if len(rows) != len(account_ids):
            raise InvalidTransferError(_("Unknown ledger account."))
        tx_id = rows[0][0]
        if tx_id is None:
            existing = Transaction.objects.filter(idempotency_key=idempotency_key).first()
            if existing is None:  # the conflict was on reverses_id: someone else reversed it
                raise AlreadyReversedError(transaction_id=reverses.pk if reverses else None)
            if not _same_movement(existing, kind, legs):
                raise IdempotencyConflictError(idempotency_key=idempotency_key)
            return existing, False
        balances = {aid: [posted, held, negative_ok] for _tx, aid, posted, held, negative_ok in rows}

        # 3. apply, check, write.
        posting_rows: list = []
        for account_id, amount in legs:
            state = balances[account_id]
            state[0] += amount
            posting_rows.extend([tx_id, account_id, amount, "FZB", state[0], now])
        for account_id, delta in held_deltas.items():
            balances[account_id][1] += delta
        for account_id, (posted, held, negative_ok) in balances.items():
            if posted < 0 and not negative_ok:
                delta = sum(amount for aid, amount in legs if aid == account_id)
                raise error_class(account_id=account_id, available=posted - delta, requested=-delta)
            if held < 0:
                raise HoldClosedError(_("The hold amount exceeds what is held."), account_id=account_id)
        # 3b. postings and balance rows in one statement. Only placeholders are interpolated into
        # it; every value is a parameter.
        update_rows: list = []
        for account_id, (posted, held, _negative_ok) in balances.items():
            update_rows.extend([account_id, posted, held])
        posting_values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(legs))
        balance_values = ", ".join(["(%s::bigint, %s::bigint, %s::bigint)"] * len(balances))
        insert_sql = (
            "WITH p AS (INSERT INTO ledger_posting"
            " (transaction_id, account_id, amount, currency, balance_after, created_at)"
        )
        update_sql = " UPDATE ledger_account AS a SET posted = v.posted, held = v.held, updated_at = %s"
        cursor.execute(
            f"{insert_sql} VALUES {posting_values}){update_sql}"
            f" FROM (VALUES {balance_values}) AS v(id, posted, held) WHERE a.id = v.id",
            [*posting_rows, now, *update_rows],
        )
    tx = Transaction(
        id=tx_id,
        kind=kind,
        memo=memo,
        idempotency_key=idempotency_key,
        ref_type=ref_type,
        ref_id=ref_id,
        initiated_by_id=initiated_by_id,
        reverses_id=reverses.pk if reverses else None,
        created_at=now,
    )
    tx._state.adding = False
    tx._state.db = "default"
    return tx, True


# --- public movements -------------------------------------------------------------------------


@transaction.atomic
def transfer_post(
    *,
    kind: str,
    source: Account,
    destination: Account,
    amount: int,
    idempotency_key: str,
    memo: str = "",
    ref: models.Model | None = None,
    initiated_by: User | None = None,
    error_class: type[DomainError] = InsufficientFundsError,
) -> Transaction:
    """Move `amount` points from source to destination as one balanced transaction.

    Idempotent on idempotency_key (a replay returns the first transaction and moves nothing; the same
    key for a different movement raises IdempotencyConflictError). Raises error_class when the
    source's available balance would go below zero, InvalidAmountError, InvalidTransferError.
    """
    amount = _check_amount(amount)
    if source.pk == destination.pk or source.currency != destination.currency:
        raise InvalidTransferError()
    ref_type, ref_id = _ref(ref)
    tx, _created = _post(
        kind=kind,
        legs=[(source.pk, -amount), (destination.pk, amount)],
        idempotency_key=idempotency_key,
        memo=memo,
        ref_type=ref_type,
        ref_id=ref_id,
        initiated_by=initiated_by,
        error_class=error_class,
    )
    return tx


@transaction.atomic
def agency_fund(
    *,
    agency: Agency,
    amount: int,
    idempotency_key: str,
    cny: Decimal | None = None,
    memo: str = "",
    initiated_by: User | None = None,
) -> Transaction:
    """Credit an agency's budget from the district's funding source, recording the CNY behind it.

    cny defaults to amount × FUBI_FZB_CNY_RATE. Idempotent on idempotency_key.
    """
    amount = _check_amount(amount)
    rate = Decimal(str(settings.FZB_CNY_RATE))
    cny_value = Decimal(str(cny)) if cny is not None else (Decimal(amount) * rate)
    if cny_value < 0:
        raise InvalidAmountError(_("The CNY amount must not be negative."), cny=str(cny_value))
    budget = agency_budget_account(agency)
    source = system_account(AccountKind.FUNDING_SOURCE, counterparty_id=budget.pk)
    tx, created = _post(
        kind=TransactionKind.FUNDING,
        legs=[(source.pk, -amount), (budget.pk, amount)],
        idempotency_key=idempotency_key,
        memo=memo or f"Funding of {agency.name}",
        ref_type=agency._meta.label_lower,
        ref_id=agency.pk,
        initiated_by=initiated_by,
    )
    if created:
        Funding.objects.create(
            transaction=tx,
            agency=agency,
            points=amount,
            cny=Money(cny_value.quantize(Decimal("0.01")), "CNY"),
            rate=(cny_value / amount).quantize(Decimal("0.000001")),
        )
    return tx


@transaction.atomic
def hold_place(
    *,
    account: Account,
    amount: int,
    idempotency_key: str,
    memo: str = "",
    ref: models.Model | None = None,
    error_class: type[DomainError] = InsufficientFundsError,
) -> Hold:
    """Reserve points of an account (a shop order): they move to a shop-holds shard and show as held.

    Idempotent on idempotency_key: the key's transaction decides (a replay for the same account and
    amount returns the first hold; another movement under the key raises IdempotencyConflictError).
    Raises error_class when the available balance is too small.
    """
    amount = _check_amount(amount)
    _check_key(idempotency_key)
    holding = system_account(AccountKind.SHOP_HOLDS, counterparty_id=account.pk)
    ref_type, ref_id = _ref(ref)
    tx, created = _post(
        kind=TransactionKind.REDEMPTION_HOLD,
        legs=[(account.pk, -amount), (holding.pk, amount)],
        idempotency_key=idempotency_key,
        memo=memo,
        ref_type=ref_type,
        ref_id=ref_id,
        held_deltas={account.pk: amount},
        error_class=error_class,
    )
    if not created:  # a racer with the same key committed first: its hold row exists too
        hold = Hold.objects.filter(idempotency_key=idempotency_key).first()
        if hold is None:
            raise IdempotencyConflictError(idempotency_key=idempotency_key)
        return hold
    return Hold.objects.create(
        account=account,
        holding_account=holding,
        amount=amount,
        idempotency_key=idempotency_key,
        memo=str(memo).replace("\x00", "")[:500],
        ref_type=ref_type,
        ref_id=ref_id,
        place_transaction=tx,
    )


def _hold_close(*, hold: Hold, idempotency_key: str, memo: str, capture: bool) -> Transaction:
    # The hold row first, then the balance rows (in _post): the same order everywhere. No join here:
    # after waiting for the lock PostgreSQL re-reads the hold row only, not joined rows.
    hold = Hold.objects.select_for_update().get(pk=hold.pk)
    wanted = HoldStatus.CAPTURED if capture else HoldStatus.RELEASED
    if hold.status != HoldStatus.OPEN:
        if hold.status == wanted and hold.close_transaction.idempotency_key == idempotency_key:
            return hold.close_transaction
        raise HoldClosedError(hold_id=hold.pk, status=hold.status)
    if capture:
        sink = system_account(AccountKind.REDEEMED, counterparty_id=hold.account_id)
        kind, destination = TransactionKind.CAPTURE, sink.pk
    else:
        kind, destination = TransactionKind.RELEASE, hold.account_id
    tx, created = _post(
        kind=kind,
        legs=[(hold.holding_account_id, -hold.amount), (destination, hold.amount)],
        idempotency_key=idempotency_key,
        memo=memo or hold.memo,
        ref_type=hold.ref_type,
        ref_id=hold.ref_id,
        held_deltas={hold.account_id: -hold.amount},
    )
    if not created:
        raise IdempotencyConflictError(idempotency_key=idempotency_key)
    hold.status = wanted
    hold.close_transaction = tx
    hold.save(update_fields=["status", "close_transaction", "updated_at"])
    return tx


@transaction.atomic
def hold_capture(*, hold: Hold, idempotency_key: str, memo: str = "") -> Transaction:
    """Spend a hold: its points go to the shop's redeemed sink. Raises HoldClosedError if closed."""
    return _hold_close(hold=hold, idempotency_key=idempotency_key, memo=memo, capture=True)


@transaction.atomic
def hold_release(*, hold: Hold, idempotency_key: str, memo: str = "") -> Transaction:
    """Give a hold's points back to its account. Raises HoldClosedError if closed."""
    return _hold_close(hold=hold, idempotency_key=idempotency_key, memo=memo, capture=False)


@transaction.atomic
def transaction_reverse(
    *,
    transaction_: Transaction,
    idempotency_key: str | None = None,
    memo: str = "",
    initiated_by: User | None = None,
    error_class: type[DomainError] = InsufficientFundsError,
) -> Transaction:
    """Correct a transaction by posting its exact opposite (once). Holds are released, not reversed.

    Raises NotReversibleError, AlreadyReversedError, error_class when the receiver spent the points.
    """
    if transaction_.kind in HOLD_KINDS or transaction_.kind == TransactionKind.REVERSAL:
        raise NotReversibleError(transaction_id=transaction_.pk, kind=transaction_.kind)
    key = idempotency_key or f"tx:{transaction_.pk}:reversal"
    done = Transaction.objects.filter(reverses=transaction_).first()
    if done is not None:
        if done.idempotency_key == key:
            return done
        raise AlreadyReversedError(transaction_id=transaction_.pk)
    legs = [(account_id, -amount) for account_id, amount in transaction_.postings.values_list("account_id", "amount")]
    tx, _created = _post(
        kind=TransactionKind.REVERSAL,
        legs=legs,
        idempotency_key=key,
        memo=memo or f"Reversal of #{transaction_.pk}",
        ref_type="ledger.transaction",
        ref_id=transaction_.pk,
        initiated_by=initiated_by,
        reverses=transaction_,
        error_class=error_class,
    )
    return tx


@transaction.atomic
def points_forfeit(
    *, account: Account, amount: int, idempotency_key: str, memo: str = "", ref: models.Model | None = None
) -> Transaction:
    """Move expired or forfeited points of an account to the forfeited sink."""
    sink = system_account(AccountKind.FORFEITED, counterparty_id=account.pk)
    return transfer_post(
        kind=TransactionKind.FORFEIT,
        source=account,
        destination=sink,
        amount=amount,
        idempotency_key=idempotency_key,
        memo=memo,
        ref=ref,
    )


# --- the hash chain ---------------------------------------------------------------------------

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
