"""Staff paying themselves through a correction (issue 13, hole 1): reversing a transaction is the one
points-moving decision the admin makes by hand; nobody may reverse one that credits their own wallet."""

import pytest
from django.test import Client

from ledger import selectors, services
from ledger.errors import OwnTransactionError
from ledger.models import Transaction
from ledger.tests.conftest import key

pytestmark = pytest.mark.django_db


def forfeited_300(user, agency) -> Transaction:
    """300 points paid into the user's wallet from the agency, then spent (forfeited): the spend."""
    wallet = services.citizen_account(user)
    services.transfer_post(
        kind="tip_reward",
        source=services.agency_budget_account(agency),
        destination=wallet,
        amount=300,
        idempotency_key=key(),
    )
    return services.points_forfeit(account=wallet, amount=300, idempotency_key=key())


def test_an_administrator_cannot_reverse_a_spend_back_into_their_own_wallet(admin_user, funded_agency) -> None:
    # given an administrator's own wallet, from which 300 points were spent (forfeited)
    spent = forfeited_300(admin_user, funded_agency)
    client = Client()
    client.force_login(admin_user)
    # when they reverse that spend from the admin
    client.post("/admin/ledger/transaction/", {"action": "reverse_transactions", "_selected_action": [spent.pk]})
    # then no reversal is posted and their wallet stays empty
    assert not Transaction.objects.filter(reverses=spent).exists()
    assert selectors.citizen_wallet(user=admin_user)["balance"] == 0


def test_another_administrator_may_make_that_correction(admin_user, funded_agency, make_user) -> None:
    # given the first administrator's forfeited 300 points
    spent = forfeited_300(admin_user, funded_agency)
    with pytest.raises(OwnTransactionError):
        services.transaction_reverse(transaction_=spent, initiated_by=admin_user)
    # when a second administrator reverses it, then the points come back once
    other = make_user(is_superuser=True, is_staff=True)
    services.transaction_reverse(transaction_=spent, initiated_by=other)
    assert selectors.citizen_wallet(user=admin_user)["balance"] == 300
