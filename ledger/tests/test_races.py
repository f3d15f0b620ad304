"""Races on PostgreSQL with real threads: no overdraft, exact totals, no deadlock, one payout per key."""

import pytest

from accounts.tests.factories import AgencyFactory, UserFactory
from ledger import selectors, services
from ledger.errors import InsufficientFundsError
from ledger.models import Posting, Transaction
from ledger.reconciliation import reconciliation_report
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)


def _citizen_with(points: int) -> tuple:
    agency = AgencyFactory()
    services.agency_fund(agency=agency, amount=100_000, idempotency_key=f"fund:{agency.pk}")
    user = UserFactory()
    wallet = services.citizen_account(user)
    services.transfer_post(
        kind="tip_reward",
        source=services.agency_budget_account(agency),
        destination=wallet,
        amount=points,
        idempotency_key=f"grant:{user.pk}",
    )
    return agency, wallet


def test_twenty_concurrent_spends_never_overdraw_one_account():
    # given a wallet of 100 points
    agency, wallet = _citizen_with(100)
    budget = services.agency_budget_account(agency)

    # when 20 threads each try to spend 10 at the same moment
    def spend(i: int) -> str:
        try:
            services.transfer_post(
                kind="task_escrow", source=wallet, destination=budget, amount=10, idempotency_key=f"spend:{i}"
            )
        except InsufficientFundsError:
            return "refused"
        return "ok"

    results = race(spend, range(20))

    # then exactly 10 succeed, the wallet is at zero, never below, and the books reconcile
    assert sorted(results) == ["ok"] * 10 + ["refused"] * 10
    assert selectors.account_balance(wallet) == {"balance": 0, "held": 0, "available": 0}
    assert min(Posting.objects.filter(account=wallet).values_list("balance_after", flat=True)) == 0
    assert reconciliation_report()["mismatches"] == []


def test_concurrent_holds_never_hold_more_than_available():
    _, wallet = _citizen_with(100)

    def place(i: int) -> str:
        try:
            services.hold_place(account=wallet, amount=30, idempotency_key=f"order:{i}:hold")
        except InsufficientFundsError:
            return "refused"
        return "ok"

    results = race(place, range(12))
    assert sorted(results) == ["ok"] * 3 + ["refused"] * 9
    assert selectors.account_balance(wallet) == {"balance": 100, "held": 90, "available": 10}
    assert reconciliation_report()["mismatches"] == []


def test_opposite_transfers_between_two_accounts_never_deadlock():
    # given two wallets of 1,000
    _, alice = _citizen_with(1_000)
    _, bob = _citizen_with(1_000)

    # when 16 threads move points back and forth, half each way, 15 times each
    def shuffle(i: int) -> int:
        source, destination = (alice, bob) if i % 2 else (bob, alice)
        for n in range(15):
            services.transfer_post(
                kind="tip_reward", source=source, destination=destination, amount=3, idempotency_key=f"x:{i}:{n}"
            )
        return i

    results = race(shuffle, range(16))

    # then no thread failed (no deadlock), and the points are all still there
    assert results == list(range(16))
    a = selectors.account_balance(alice)["balance"]
    b = selectors.account_balance(bob)["balance"]
    assert (a, b) == (1_000, 1_000)
    assert reconciliation_report()["mismatches"] == []


def test_the_same_payout_key_posted_by_many_threads_pays_once():
    agency, wallet = _citizen_with(0 + 1)
    budget = services.agency_budget_account(agency)

    def pay(i: int) -> int:
        tx = services.transfer_post(
            kind="task_payout", source=budget, destination=wallet, amount=100, idempotency_key="task:7:claim:9:payout"
        )
        return tx.pk

    results = race(pay, range(10))
    assert len(set(results)) == 1
    assert Transaction.objects.filter(idempotency_key="task:7:claim:9:payout").count() == 1
    assert selectors.account_balance(wallet)["balance"] == 101


def test_racing_capture_and_release_close_a_hold_once():
    _, wallet = _citizen_with(50)
    hold = services.hold_place(account=wallet, amount=50, idempotency_key="order:race:hold")

    def close(i: int) -> str:
        try:
            if i % 2:
                services.hold_capture(hold=hold, idempotency_key=f"order:race:capture:{i}")
            else:
                services.hold_release(hold=hold, idempotency_key=f"order:race:release:{i}")
        except services.HoldClosedError:
            return "closed"
        return "ok"

    results = race(close, range(8))
    assert sorted(results) == ["closed"] * 7 + ["ok"]
    assert reconciliation_report()["mismatches"] == []


def test_first_use_of_a_wallet_and_a_system_shard_from_many_threads_makes_one_row():
    user = UserFactory()

    def first_use(i: int) -> tuple[int, int]:
        wallet = services.citizen_account(user)
        shard = services.system_account("redeemed", counterparty_id=wallet.pk)
        return wallet.pk, shard.pk

    results = race(first_use, range(10))
    assert len(set(results)) == 1
