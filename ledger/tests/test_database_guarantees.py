"""What PostgreSQL itself refuses: edits of the books, unbalanced transactions, overdrafts; and the
hash chain that exposes an edit made behind the triggers' back."""

import pgtrigger
import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from accounts.tests.factories import AgencyFactory
from ledger import services
from ledger.chain import ledger_seal
from ledger.models import Account, ChainSeal, Posting, Transaction
from ledger.reconciliation import reconciliation_report
from ledger.tests.conftest import key


def _raw(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def _check_deferred_now() -> None:
    """Run the pending deferred checks (as a commit would) before tampering inside a test transaction."""
    _raw("SET CONSTRAINTS ALL IMMEDIATE")
    _raw("SET CONSTRAINTS ALL DEFERRED")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_posting SET amount = amount + 1",
        "DELETE FROM ledger_posting",
        "UPDATE ledger_transaction SET memo = 'edited'",
        "DELETE FROM ledger_transaction",
        "UPDATE ledger_chainseal SET hash = 'x'",
        "DELETE FROM ledger_chainseal",
        "UPDATE ledger_funding SET points = 1",
    ],
)
def test_raw_sql_cannot_edit_or_delete_the_books(rich_citizen, sql):
    # given a sealed ledger with postings
    ledger_seal()
    assert Posting.objects.exists()
    # when someone edits it with raw SQL, then PostgreSQL refuses
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw(sql)
    assert reconciliation_report()["mismatches"] == []


@pytest.mark.django_db
def test_orm_delete_of_a_transaction_is_refused(rich_citizen):
    tx = Transaction.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        Posting.objects.filter(transaction=tx).delete()


@pytest.mark.django_db
def test_a_negative_wallet_is_refused_by_a_check_constraint(rich_citizen):
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw("UPDATE ledger_account SET posted = -1 WHERE kind = 'citizen'")


@pytest.mark.django_db(transaction=True)
def test_an_unbalanced_transaction_fails_at_commit():
    # given two accounts
    agency = AgencyFactory()
    services.agency_fund(agency=agency, amount=100, idempotency_key="fund:commit")
    budget = services.agency_budget_account(agency)
    escrow = services.agency_escrow_account(agency)
    # when raw inserts write a one-sided transaction, the statements succeed but the commit fails
    with pytest.raises(IntegrityError), transaction.atomic():  # noqa: PT012 - the commit is what fails
        _raw(
            "INSERT INTO ledger_transaction (kind, memo, idempotency_key, ref_type, created_at)"
            " VALUES ('task_escrow', 'forged', 'forged:1', '', now())"
        )
        _raw(
            "INSERT INTO ledger_posting (transaction_id, account_id, amount, currency, balance_after, created_at)"
            " SELECT id, %s, 50, 'FZB', 50, now() FROM ledger_transaction WHERE idempotency_key = 'forged:1'",
            [escrow.pk],
        )
        _raw(
            "INSERT INTO ledger_posting (transaction_id, account_id, amount, currency, balance_after, created_at)"
            " SELECT id, %s, -49, 'FZB', 51, now() FROM ledger_transaction WHERE idempotency_key = 'forged:1'",
            [budget.pk],
        )
    # then nothing of it exists
    assert not Transaction.objects.filter(idempotency_key="forged:1").exists()
    assert reconciliation_report()["mismatches"] == []


@pytest.mark.django_db(transaction=True)
def test_a_single_posting_transaction_fails_at_commit():
    agency = AgencyFactory()
    services.agency_fund(agency=agency, amount=100, idempotency_key="fund:single")
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw(
            "INSERT INTO ledger_transaction (kind, memo, idempotency_key, ref_type, created_at)"
            " VALUES ('task_escrow', '', 'forged:2', '', now())"
        )
    assert not Transaction.objects.filter(idempotency_key="forged:2").exists()


@pytest.mark.django_db
def test_an_edited_amount_behind_the_triggers_back_breaks_the_chain(rich_citizen):
    # given a sealed, reconciling ledger
    ledger_seal()
    assert reconciliation_report()["chain_ok"] is True
    _check_deferred_now()
    posting = Posting.objects.filter(account__kind="citizen").first()
    # when an attacker with table rights switches the protection off and edits an amount
    with pgtrigger.ignore("ledger.Posting:ledger_posting_no_update"):
        _raw("UPDATE ledger_posting SET amount = amount + 1000 WHERE id = %s", [posting.pk])
    # then reconciliation reports the chain broken at that transaction
    report = reconciliation_report()
    assert sorted(m["check"] for m in report["mismatches"]) == ["balance_row", "chain", "unbalanced_transaction"]
    assert report["chain_ok"] is False
    assert report["chain"]["first_bad_transaction_id"] == posting.transaction_id


@pytest.mark.django_db
def test_an_edited_memo_with_triggers_disabled_breaks_the_chain(rich_citizen):
    # given a sealed ledger; when a memo (which no sum check sees) is edited with triggers disabled
    ledger_seal()
    tx = Transaction.objects.order_by("id").last()
    _check_deferred_now()
    _raw("ALTER TABLE ledger_transaction DISABLE TRIGGER USER")
    _raw("UPDATE ledger_transaction SET memo = 'nothing to see' WHERE id = %s", [tx.pk])
    _raw("ALTER TABLE ledger_transaction ENABLE TRIGGER USER")
    # then only the chain notices, and it does
    report = reconciliation_report()
    assert report["chain_ok"] is False
    assert [m["check"] for m in report["mismatches"]] == ["chain"]


@pytest.mark.django_db
def test_a_forged_cached_balance_is_reported(rich_citizen):
    _check_deferred_now()
    with pgtrigger.ignore():
        _raw("UPDATE ledger_account SET posted = posted + 5 WHERE kind = 'citizen'")
    report = reconciliation_report()
    assert {m["check"] for m in report["mismatches"]} == {"balance_row", "balance_after", "issuance"}


@pytest.mark.django_db
def test_sealing_is_incremental_and_gapless(rich_citizen, funded_agency):
    assert ledger_seal() == Transaction.objects.count()
    assert ledger_seal() == 0
    services.transfer_post(
        kind="tip_reward",
        source=services.agency_budget_account(funded_agency),
        destination=services.citizen_account(rich_citizen),
        amount=1,
        idempotency_key=key(),
    )
    assert ledger_seal() == 1
    assert list(ChainSeal.objects.values_list("seq", flat=True)) == list(range(1, Transaction.objects.count() + 1))
    assert Account.objects.count() == 3


@pytest.mark.django_db
def test_points_issued_outside_a_recorded_funding_are_reported(funded_agency):
    # given a funding source shard paying a citizen directly (not a funding), and a funding without
    # its CNY record (made by the internal poster, bypassing agency_fund)
    from accounts.tests.factories import UserFactory
    from ledger.models import AccountKind

    budget = services.agency_budget_account(funded_agency)
    source = services.system_account(AccountKind.FUNDING_SOURCE, counterparty_id=budget.pk)
    wallet = services.citizen_account(UserFactory())
    services.transfer_post(kind="tip_reward", source=source, destination=wallet, amount=5, idempotency_key="leak")
    with transaction.atomic():
        services._post(kind="funding", legs=[(source.pk, -7), (budget.pk, 7)], idempotency_key="unrecorded")
    # then reconciliation names both
    checks = {m["check"] for m in reconciliation_report()["mismatches"]}
    assert checks == {"funding_source_use", "funding_record"}
