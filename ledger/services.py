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

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money

from accounts.models import Agency, User
from core.errors import DomainError
from ledger.errors import (
    AlreadyReversedError,
    HoldClosedError,
    IdempotencyConflictError,
    InsufficientFundsError,
    InvalidAmountError,
    InvalidTransferError,
    NotReversibleError,
    OwnTransactionError,
)
from ledger.models import (
    SYSTEM_SHARDS,
    Account,
    AccountKind,
    Funding,
    Hold,
    HoldStatus,
    OpaqueRef,
    Posting,
    Transaction,
    TransactionKind,
)
from ledger.queries import citizen_account_get, postings_write, system_account_get, transaction_insert_and_lock

MAX_AMOUNT = 10**15  # far above any real movement, far below BIGINT's limit
TRANSACTION_KINDS = frozenset(TransactionKind.values)
HOLD_KINDS = {TransactionKind.REDEMPTION_HOLD, TransactionKind.CAPTURE, TransactionKind.RELEASE}


# --- accounts ---------------------------------------------------------------------------------


def citizen_account(user: User) -> Account:
    """The citizen's wallet, created on first use (race-safe)."""
    account = citizen_account_get(user_id=user.pk)  # every transfer reads it: a prepared read
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
    account = system_account_get(kind=kind, shard=shard)
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


def opaque_key(cause: str) -> str:
    """An idempotency key for a cause that must not be readable from the books: an HMAC of the cause
    under SECRET_KEY. The same cause always gives the same key (a replay pays once), and nobody
    without the secret can tell which cause it was, nor try every tip id to find out."""
    return "opaque:" + salted_hmac("fubi.ledger.opaque_key", cause, algorithm="sha256").hexdigest()


def _opaque_token() -> int:
    # 18 random digits: the transaction's ref_id, saying nothing of its cause or of its time.
    return 10**17 + secrets.randbelow(9 * 10**17)


def _check_amount(amount: object) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise InvalidAmountError(amount=str(amount))
    return amount


def _check_key(idempotency_key: object) -> None:
    if not isinstance(idempotency_key, str) or not 0 < len(idempotency_key) <= 200 or "\x00" in idempotency_key:
        raise InvalidTransferError(_("An idempotency key of 1 to 200 characters is required."))


def _same_movement(tx: Transaction, kind: TransactionKind, legs: list[tuple[int, int]]) -> bool:
    if tx.kind != kind:
        return False
    stored = sorted(Posting.objects.filter(transaction=tx).values_list("account_id", "amount"))
    return stored == sorted(legs)


def _post(
    *,
    kind: TransactionKind,
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
    tx = Transaction(
        kind=kind,
        memo=str(memo).replace("\x00", "")[:500],  # PostgreSQL text cannot hold NUL
        idempotency_key=idempotency_key,
        ref_type=ref_type,
        ref_id=ref_id,
        initiated_by_id=initiated_by.pk if initiated_by is not None else None,
        reverses_id=reverses.pk if reverses else None,
        created_at=timezone.now(),
    )
    account_ids = sorted({account_id for account_id, _amount in legs} | set(held_deltas))
    # Two prepared statements (ledger.queries): take the key and lock the balances; check; write.
    locked = transaction_insert_and_lock(transaction=tx, account_ids=account_ids)
    if len(locked) != len(account_ids):
        raise InvalidTransferError(_("Unknown ledger account."))
    if tx.pk is None:  # the key was taken: a replay, or a racer whose commit we waited for
        return _replayed(tx=tx, legs=legs), False
    balances, legs_after = _balances_apply(locked, legs=legs, held_deltas=held_deltas, error_class=error_class)
    postings_write(transaction_id=tx.pk, legs=legs_after, balances=balances, now=tx.created_at)
    return tx, True


def _replayed(*, tx: Transaction, legs: list[tuple[int, int]]) -> Transaction:
    """The transaction that holds the key already: the same movement, or an error."""
    existing = Transaction.objects.filter(idempotency_key=tx.idempotency_key).first()
    if existing is None:  # the conflict was on reverses_id: someone else reversed it
        raise AlreadyReversedError(transaction_id=tx.reverses_id)
    if not _same_movement(existing, tx.kind, legs):
        raise IdempotencyConflictError(idempotency_key=tx.idempotency_key)
    return existing


def _balances_apply(
    locked: list[tuple[int, int, int, bool]],
    *,
    legs: list[tuple[int, int]],
    held_deltas: dict[int, int],
    error_class: type[DomainError],
) -> tuple[dict[int, tuple[int, int]], list[tuple[int, int, int]]]:
    """Apply the legs and held deltas to the locked balances and check them; answer the new
    balances {account id: (posted, held)} and each leg with its balance_after."""
    balances = {aid: [posted, held, negative_ok] for aid, posted, held, negative_ok in locked}
    legs_after: list[tuple[int, int, int]] = []
    for account_id, amount in legs:
        state = balances[account_id]
        state[0] += amount
        legs_after.append((account_id, amount, state[0]))
    for account_id, delta in held_deltas.items():
        balances[account_id][1] += delta
    for account_id, (posted, held, negative_ok) in balances.items():
        if posted < 0 and not negative_ok:
            delta = sum(amount for aid, amount in legs if aid == account_id)
            raise error_class(account_id=account_id, available=posted - delta, requested=-delta)
        if held < 0:
            raise HoldClosedError(_("The hold amount exceeds what is held."), account_id=account_id)
    return {aid: (posted, held) for aid, (posted, held, _negative_ok) in balances.items()}, legs_after


# --- public movements -------------------------------------------------------------------------


@transaction.atomic
def transfer_post(
    *,
    kind: TransactionKind,
    source: Account,
    destination: Account,
    amount: int,
    idempotency_key: str,
    memo: str = "",
    ref: models.Model | None = None,
    initiated_by: User | None = None,
    error_class: type[DomainError] = InsufficientFundsError,
    opaque_as: str = "",
) -> Transaction:
    """Move `amount` points from source to destination as one balanced transaction.

    Idempotent on idempotency_key (a replay returns the first transaction and moves nothing; the same
    key for a different movement raises IdempotencyConflictError). Raises error_class when the
    source's available balance would go below zero, InvalidAmountError, InvalidTransferError.

    With opaque_as (e.g. "tips.anonymous_reward") the transaction names its cause only as
    (opaque_as, a random token); the token → ref link is kept in OpaqueRef, which only
    ledger.selectors.transaction_cause reads. Give it with a key from opaque_key() and a memo that
    does not name the cause, or the books still tell.
    """
    amount = _check_amount(amount)
    if source.pk == destination.pk or source.currency != destination.currency:
        raise InvalidTransferError()
    ref_type, ref_id = _ref(ref)
    if opaque_as:
        if ref is None:
            raise InvalidTransferError(_("An opaque reference needs the reference it hides."))
        cause = (ref_type, ref_id)
        ref_type, ref_id = opaque_as, _opaque_token()
    tx, created = _post(
        kind=kind,
        legs=[(source.pk, -amount), (destination.pk, amount)],
        idempotency_key=idempotency_key,
        memo=memo,
        ref_type=ref_type,
        ref_id=ref_id,
        initiated_by=initiated_by,
        error_class=error_class,
    )
    if opaque_as and created:
        OpaqueRef.objects.create(
            token=ref_id, transaction=tx, opaque_type=opaque_as, ref_type=cause[0], ref_id=cause[1]
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

    Raises NotReversibleError, AlreadyReversedError, error_class when the receiver spent the points,
    OwnTransactionError when the reversal would credit the initiator's own account.
    """
    if transaction_.kind in HOLD_KINDS or transaction_.kind == TransactionKind.REVERSAL:
        raise NotReversibleError(transaction_id=transaction_.pk, kind=transaction_.kind)
    # A leg that paid out of the initiator's wallet comes back to it: nobody pays themselves.
    if (
        initiated_by is not None
        and transaction_.postings.filter(amount__lt=0, account__user_id=initiated_by.pk).exists()
    ):
        raise OwnTransactionError(transaction_id=transaction_.pk)
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
