"""The service interface: transfers, idempotency, holds, reversals, funding."""

from decimal import Decimal

import pytest

from accounts.tests.factories import AgencyFactory, UserFactory
from core.errors import ConflictError
from ledger import selectors, services
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
    HoldStatus,
    Posting,
    Transaction,
    TransactionKind,
)
from ledger.reconciliation import reconciliation_report
from ledger.tests.conftest import key

pytestmark = pytest.mark.django_db


def test_funding_credits_budget_from_a_negative_funding_shard_and_records_cny(db):
    # given an agency
    agency = AgencyFactory()
    # when the district funds it
    tx = services.agency_fund(agency=agency, amount=5_000, idempotency_key="fund:1")
    # then the budget holds the points, a funding source shard is negative, CNY is recorded
    budget = services.agency_budget_account(agency)
    assert selectors.account_balance(budget) == {"balance": 5_000, "held": 0, "available": 5_000}
    source = Account.objects.get(kind=AccountKind.FUNDING_SOURCE)
    assert source.posted == -5_000
    funding = Funding.objects.get(transaction=tx)
    assert funding.cny.amount == Decimal("100.00")
    assert str(funding.cny.currency) == "CNY"
    assert tx.kind == TransactionKind.FUNDING


def test_replayed_key_returns_the_first_transaction_and_moves_nothing(rich_citizen, funded_agency):
    # given a transfer already posted
    budget = services.agency_budget_account(funded_agency)
    wallet = services.citizen_account(rich_citizen)
    first = services.transfer_post(
        kind="task_payout", source=budget, destination=wallet, amount=50, idempotency_key="task:1:claim:1:payout"
    )
    # when the same key is posted again
    again = services.transfer_post(
        kind="task_payout", source=budget, destination=wallet, amount=50, idempotency_key="task:1:claim:1:payout"
    )
    # then it is the same transaction and the wallet grew once
    assert again.pk == first.pk
    assert selectors.account_balance(wallet)["balance"] == 1_050
    assert Transaction.objects.filter(idempotency_key="task:1:claim:1:payout").count() == 1


def test_same_key_for_a_different_movement_is_refused(rich_citizen, funded_agency):
    budget = services.agency_budget_account(funded_agency)
    wallet = services.citizen_account(rich_citizen)
    services.transfer_post(kind="tip_reward", source=budget, destination=wallet, amount=5, idempotency_key="k:1")
    with pytest.raises(IdempotencyConflictError):
        services.transfer_post(kind="tip_reward", source=budget, destination=wallet, amount=6, idempotency_key="k:1")


def test_overspending_raises_the_callers_error_and_posts_nothing(rich_citizen, funded_agency):
    class InsufficientPointsError(ConflictError):
        code = "insufficient_points"

    wallet = services.citizen_account(rich_citizen)
    budget = services.agency_budget_account(funded_agency)
    before = Posting.objects.count()
    with pytest.raises(InsufficientPointsError) as caught:
        services.transfer_post(
            kind="tip_reward",
            source=wallet,
            destination=budget,
            amount=1_001,
            idempotency_key=key(),
            error_class=InsufficientPointsError,
        )
    assert caught.value.details["available"] == 1_000
    assert Posting.objects.count() == before
    with pytest.raises(InsufficientFundsError):
        services.transfer_post(
            kind="tip_reward", source=wallet, destination=budget, amount=1_001, idempotency_key=key()
        )


@pytest.mark.parametrize("amount", [0, -5, 1.5, True, "10", 10**30])
def test_bad_amounts_are_refused(rich_citizen, funded_agency, amount):
    with pytest.raises(InvalidAmountError):
        services.transfer_post(
            kind="tip_reward",
            source=services.agency_budget_account(funded_agency),
            destination=services.citizen_account(rich_citizen),
            amount=amount,
            idempotency_key=key(),
        )


def test_transfer_to_itself_or_of_unknown_kind_is_refused(rich_citizen):
    wallet = services.citizen_account(rich_citizen)
    other = services.citizen_account(UserFactory())
    with pytest.raises(InvalidTransferError):
        services.transfer_post(kind="tip_reward", source=wallet, destination=wallet, amount=1, idempotency_key=key())
    with pytest.raises(InvalidTransferError):
        services.transfer_post(kind="gift", source=wallet, destination=other, amount=1, idempotency_key=key())


def test_hold_shows_as_held_and_capture_moves_points_to_the_redeemed_sink(rich_citizen):
    wallet = services.citizen_account(rich_citizen)
    # when a hold is placed
    hold = services.hold_place(account=wallet, amount=300, idempotency_key="order:1:hold")
    # then it is held, not available
    assert hold.status == HoldStatus.OPEN
    assert selectors.account_balance(wallet) == {"balance": 1_000, "held": 300, "available": 700}
    # and a replay returns the same hold
    assert services.hold_place(account=wallet, amount=300, idempotency_key="order:1:hold").pk == hold.pk
    # when captured (twice with the same key)
    tx = services.hold_capture(hold=hold, idempotency_key="order:1:capture")
    assert services.hold_capture(hold=hold, idempotency_key="order:1:capture").pk == tx.pk
    # then the points are gone to the sink
    assert selectors.account_balance(wallet) == {"balance": 700, "held": 0, "available": 700}
    assert Account.objects.get(kind=AccountKind.REDEEMED).posted == 300
    hold.refresh_from_db()
    assert hold.status == HoldStatus.CAPTURED
    # and it can no longer be released
    with pytest.raises(HoldClosedError):
        services.hold_release(hold=hold, idempotency_key="order:1:release")


def test_released_hold_gives_the_points_back(rich_citizen):
    wallet = services.citizen_account(rich_citizen)
    hold = services.hold_place(account=wallet, amount=1_000, idempotency_key="order:2:hold")
    with pytest.raises(InsufficientFundsError):
        services.hold_place(account=wallet, amount=1, idempotency_key="order:3:hold")
    services.hold_release(hold=hold, idempotency_key="order:2:release")
    assert selectors.account_balance(wallet) == {"balance": 1_000, "held": 0, "available": 1_000}
    with pytest.raises(HoldClosedError):
        services.hold_capture(hold=hold, idempotency_key="order:2:capture")


def test_reversal_posts_the_opposite_once(rich_citizen, funded_agency):
    budget = services.agency_budget_account(funded_agency)
    wallet = services.citizen_account(rich_citizen)
    tx = services.transfer_post(kind="tip_reward", source=budget, destination=wallet, amount=40, idempotency_key=key())
    reversal = services.transaction_reverse(transaction_=tx)
    assert services.transaction_reverse(transaction_=tx).pk == reversal.pk
    with pytest.raises(AlreadyReversedError):
        services.transaction_reverse(transaction_=tx, idempotency_key="another")
    assert selectors.account_balance(wallet)["balance"] == 1_000
    assert reversal.kind == TransactionKind.REVERSAL
    hold = services.hold_place(account=wallet, amount=1, idempotency_key=key())
    with pytest.raises(NotReversibleError):
        services.transaction_reverse(transaction_=hold.place_transaction)


def test_agency_wallet_counts_escrow_as_held(funded_agency):
    budget = services.agency_budget_account(funded_agency)
    escrow = services.agency_escrow_account(funded_agency)
    services.transfer_post(kind="task_escrow", source=budget, destination=escrow, amount=2_500, idempotency_key=key())
    assert selectors.agency_wallet(agency=funded_agency) == {
        "balance": 10_000,
        "held": 2_500,
        "available": 7_500,
        "currency": "FZB",
    }


def test_busy_system_accounts_are_sharded(db):
    for _ in range(40):
        services.agency_fund(agency=AgencyFactory(), amount=10, idempotency_key=key())
    shards = Account.objects.filter(kind=AccountKind.FUNDING_SOURCE)
    assert shards.count() == SYSTEM_SHARDS  # 40 agencies in a row fill every shard
    assert sum(shard.posted for shard in shards) == -400


def test_reconciliation_is_ok_after_ordinary_movements(rich_citizen, funded_agency):
    wallet = services.citizen_account(rich_citizen)
    hold = services.hold_place(account=wallet, amount=100, idempotency_key=key())
    services.hold_capture(hold=hold, idempotency_key=key())
    services.hold_place(account=wallet, amount=50, idempotency_key=key())
    services.points_forfeit(account=wallet, amount=10, idempotency_key=key())
    report = reconciliation_report()
    assert report["mismatches"] == []
    assert report["chain_ok"] is True
    assert report["unsealed"] == 0
    assert report["total_issued"] == 10_000
    assert report["total_redeemed"] == 100
    assert report["in_circulation"] == 10_000 - 100 - 10
    assert report["open_holds"] == 50


def test_the_cause_is_recorded_on_the_transaction(rich_citizen, funded_agency):
    tx = services.transfer_post(
        kind="tip_reward",
        source=services.agency_budget_account(funded_agency),
        destination=services.citizen_account(rich_citizen),
        amount=3,
        idempotency_key=key(),
        ref=funded_agency,
        initiated_by=rich_citizen,
        memo="x" * 600,
    )
    stored = Transaction.objects.get(pk=tx.pk)
    assert (stored.ref_type, stored.ref_id) == ("accounts.agency", funded_agency.pk)
    assert stored.initiated_by == rich_citizen
    assert len(stored.memo) == 500
    assert [p.balance_after for p in stored.postings.order_by("amount")] == [10_000 - 1_000 - 3, 1_003]


def test_a_memo_with_a_nul_byte_is_stored_without_it(rich_citizen, funded_agency):
    tx = services.transfer_post(
        kind="tip_reward",
        source=services.agency_budget_account(funded_agency),
        destination=services.citizen_account(rich_citizen),
        amount=1,
        idempotency_key=key(),
        memo="bad\x00memo",
    )
    assert Transaction.objects.get(pk=tx.pk).memo == "badmemo"


@pytest.mark.parametrize("bad_key", ["", "k" * 201, "nul\x00key", None])
def test_bad_idempotency_keys_are_refused(rich_citizen, bad_key):
    wallet = services.citizen_account(rich_citizen)
    with pytest.raises(InvalidTransferError):
        services.hold_place(account=wallet, amount=1, idempotency_key=bad_key)
    with pytest.raises(InvalidTransferError):
        services.points_forfeit(account=wallet, amount=1, idempotency_key=bad_key)
