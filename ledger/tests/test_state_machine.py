"""A hypothesis state machine: random funding, transfers, holds, captures, releases, reversals and
replays, with the ledger's invariants checked after every step against a plain Python model."""

import itertools

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from accounts.tests.factories import AgencyFactory, UserFactory
from core.errors import ConflictError
from ledger import selectors, services
from ledger.errors import InsufficientFundsError
from ledger.models import Account, Hold, HoldStatus, Posting, Transaction
from ledger.reconciliation import reconciliation_report

_run = itertools.count()


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Each example runs in its own savepoint, rolled back at teardown.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.run = next(_run)
        self.keys = itertools.count()
        self.agencies = [AgencyFactory() for _ in range(2)]
        self.accounts = [services.agency_budget_account(agency) for agency in self.agencies]
        self.accounts += [services.citizen_account(UserFactory()) for _ in range(3)]
        self.expected = {account.pk: [0, 0] for account in self.accounts}  # [available, held]
        self.posted: list[tuple[str, Transaction]] = []  # (kind of call, transaction) for replays
        self.open_holds: list[Hold] = []
        self.reversible: list[Transaction] = []
        self.calls: list[tuple] = []

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def key(self) -> str:
        return f"sm:{self.run}:{next(self.keys)}"

    @rule(agency=st.integers(0, 1), amount=st.integers(1, 5_000))
    def fund(self, agency: int, amount: int) -> None:
        key = self.key()
        tx = services.agency_fund(agency=self.agencies[agency], amount=amount, idempotency_key=key)
        self.expected[self.accounts[agency].pk][0] += amount
        self.calls.append(("fund", agency, amount, key, tx.pk))
        self.reversible.append(tx)

    @rule(source=st.integers(0, 4), destination=st.integers(0, 4), amount=st.integers(1, 3_000))
    def transfer(self, source: int, destination: int, amount: int) -> None:
        if source == destination:
            return
        src, dst = self.accounts[source], self.accounts[destination]
        key = self.key()
        try:
            tx = services.transfer_post(
                kind="tip_reward", source=src, destination=dst, amount=amount, idempotency_key=key
            )
        except InsufficientFundsError:
            assert self.expected[src.pk][0] < amount
            return
        assert self.expected[src.pk][0] >= amount
        self.expected[src.pk][0] -= amount
        self.expected[dst.pk][0] += amount
        self.calls.append(("transfer", source, destination, amount, key, tx.pk))
        self.reversible.append(tx)

    @rule(account=st.integers(0, 4), amount=st.integers(1, 2_000))
    def hold(self, account: int, amount: int) -> None:
        acc = self.accounts[account]
        key = self.key()
        try:
            hold = services.hold_place(account=acc, amount=amount, idempotency_key=key)
        except InsufficientFundsError:
            assert self.expected[acc.pk][0] < amount
            return
        self.expected[acc.pk][0] -= amount
        self.expected[acc.pk][1] += amount
        self.open_holds.append(hold)
        self.calls.append(("hold", account, amount, key, hold.pk))

    @precondition(lambda self: self.open_holds)
    @rule(index=st.integers(0, 50), capture=st.booleans())
    def close_hold(self, index: int, capture: bool) -> None:
        hold = self.open_holds.pop(index % len(self.open_holds))
        key = self.key()
        if capture:
            services.hold_capture(hold=hold, idempotency_key=key)
        else:
            services.hold_release(hold=hold, idempotency_key=key)
            self.expected[hold.account_id][0] += hold.amount
        self.expected[hold.account_id][1] -= hold.amount
        # a second close is refused, a replay of the same key is not
        with pytest.raises(ConflictError):
            services.hold_release(hold=hold, idempotency_key=self.key())
        replay = services.hold_capture if capture else services.hold_release
        assert replay(hold=hold, idempotency_key=key).idempotency_key == key

    @precondition(lambda self: self.reversible)
    @rule(index=st.integers(0, 50))
    def reverse(self, index: int) -> None:
        tx = self.reversible.pop(index % len(self.reversible))
        legs = list(tx.postings.values_list("account_id", "amount"))
        try:
            services.transaction_reverse(transaction_=tx)
        except InsufficientFundsError:
            assert any(amount > 0 and self.expected.get(aid, [0])[0] < amount for aid, amount in legs)
            return
        for account_id, amount in legs:
            if account_id in self.expected:
                self.expected[account_id][0] -= amount

    @precondition(lambda self: self.calls)
    @rule(index=st.integers(0, 50))
    def replay(self, index: int) -> None:
        call = self.calls[index % len(self.calls)]
        before = Posting.objects.count()
        if call[0] == "fund":
            _, agency, amount, key, tx_id = call
            again = services.agency_fund(agency=self.agencies[agency], amount=amount, idempotency_key=key)
            assert again.pk == tx_id
        elif call[0] == "transfer":
            _, source, destination, amount, key, tx_id = call
            again = services.transfer_post(
                kind="tip_reward",
                source=self.accounts[source],
                destination=self.accounts[destination],
                amount=amount,
                idempotency_key=key,
            )
            assert again.pk == tx_id
        else:
            _, account, amount, key, hold_id = call
            assert services.hold_place(account=self.accounts[account], amount=amount, idempotency_key=key).pk == hold_id
        assert Posting.objects.count() == before

    @invariant()
    def books_hold(self) -> None:
        for account in self.accounts:
            balance = selectors.account_balance(account)
            available, held = self.expected[account.pk]
            assert balance == {"balance": available + held, "held": held, "available": available}
            assert balance["available"] >= 0
        report = reconciliation_report()
        assert report["mismatches"] == []
        assert report["chain_ok"] is True
        assert report["unsealed"] == 0
        assert sum(Account.objects.values_list("posted", flat=True)) == 0
        open_total = sum(h.amount for h in Hold.objects.filter(status=HoldStatus.OPEN))
        assert open_total == sum(held for _, held in self.expected.values())


LedgerMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.mark.django_db
def test_ledger_state_machine() -> None:
    LedgerMachine.TestCase().runTest()
