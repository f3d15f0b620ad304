"""ledger.queries: a movement's statements and the account reads give what the ORM gives."""

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core.tests.rowcheck import row_values
from ledger import services
from ledger.models import Account, AccountKind, Posting, Transaction, TransactionKind
from ledger.queries import citizen_account_get, postings_write, system_account_get, transaction_insert_and_lock


@pytest.mark.django_db
def test_citizen_account_get_is_the_orms_account(rich_citizen) -> None:
    account = citizen_account_get(user_id=rich_citizen.pk)
    assert row_values(account) == row_values(Account.objects.get(kind=AccountKind.CITIZEN, user=rich_citizen))
    assert account.posted == 1_000
    assert citizen_account_get(user_id=UserFactory().pk) is None


@pytest.mark.django_db
def test_system_account_get_is_the_orms_account(funded_agency) -> None:
    orm = Account.objects.filter(kind=AccountKind.FUNDING_SOURCE).get()
    assert row_values(system_account_get(kind=AccountKind.FUNDING_SOURCE, shard=orm.shard)) == row_values(orm)
    assert system_account_get(kind=AccountKind.REDEEMED, shard=orm.shard) is None


def _unsaved(key: str) -> Transaction:
    return Transaction(
        kind=TransactionKind.TASK_PAYOUT,
        memo="a movement",
        idempotency_key=key,
        ref_type="tasks_app.claim",
        ref_id=42,
        created_at=timezone.now(),
    )


@pytest.mark.django_db
def test_a_movement_written_by_the_fast_path_reads_back_through_the_orm(funded_agency, rich_citizen) -> None:
    budget = services.agency_budget_account(funded_agency)
    wallet = services.citizen_account(rich_citizen)
    ids = sorted([budget.pk, wallet.pk])
    with transaction.atomic():
        tx = _unsaved("queries:1")
        # when the key is taken and the balances locked
        locked = transaction_insert_and_lock(transaction=tx, account_ids=ids)
        # then the transaction is saved and equals the ORM's row, and the locked balances the ORM's
        assert tx._state.adding is False
        assert row_values(tx) == row_values(Transaction.objects.get(pk=tx.pk))
        orm_locked = Account.objects.filter(pk__in=ids).order_by("pk")
        assert locked == list(orm_locked.values_list("pk", "posted", "held", "allow_negative"))
        # when the postings go in, in the legs' order, with the new balances
        now = timezone.now()
        postings_write(
            transaction_id=tx.pk,
            legs=[(budget.pk, -30, budget.posted - 30), (wallet.pk, 30, wallet.posted + 30)],
            balances={budget.pk: (budget.posted - 30, budget.held), wallet.pk: (wallet.posted + 30, 5)},
            now=now,
        )
    # then the ORM reads the same postings and balances
    postings = list(
        Posting.objects.filter(transaction=tx)
        .order_by("pk")
        .values_list("account_id", "amount", "currency", "balance_after", "created_at")
    )
    assert postings == [
        (budget.pk, -30, "FZB", budget.posted - 30, now),
        (wallet.pk, 30, "FZB", wallet.posted + 30, now),
    ]
    assert Account.objects.values_list("posted", "held", "updated_at").get(pk=wallet.pk) == (wallet.posted + 30, 5, now)
    assert Account.objects.values_list("posted", "held").get(pk=budget.pk) == (budget.posted - 30, budget.held)


@pytest.mark.django_db
def test_a_taken_key_leaves_the_transaction_unsaved_and_still_locks(funded_agency, rich_citizen) -> None:
    budget = services.agency_budget_account(funded_agency)
    wallet = services.citizen_account(rich_citizen)
    ids = sorted([budget.pk, wallet.pk])
    with transaction.atomic():
        first = _unsaved("queries:2")
        transaction_insert_and_lock(transaction=first, account_ids=ids)
        postings_write(
            transaction_id=first.pk,
            legs=[(budget.pk, -1, budget.posted - 1), (wallet.pk, 1, wallet.posted + 1)],
            balances={budget.pk: (budget.posted - 1, budget.held), wallet.pk: (wallet.posted + 1, wallet.held)},
            now=first.created_at,
        )
        # when the same key comes again, with an id that names no account
        again = _unsaved("queries:2")
        locked = transaction_insert_and_lock(transaction=again, account_ids=[wallet.pk, wallet.pk + 10_000])
    # then nothing is inserted, the instance stays unsaved, and the unknown id is left out
    assert again.pk is None
    assert again._state.adding is True
    assert Transaction.objects.filter(idempotency_key="queries:2").count() == 1
    assert locked == [(wallet.pk, wallet.posted + 1, wallet.held, False)]
