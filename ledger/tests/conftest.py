"""Ledger test helpers: funded agencies and citizens through the real services."""

import itertools

import pytest

from accounts.tests.factories import AgencyFactory, UserFactory
from ledger import services
from ledger.models import TransactionKind

_keys = itertools.count()


def key(prefix: str = "test") -> str:
    return f"{prefix}:{next(_keys)}"


@pytest.fixture
def funded_agency(db):
    """An agency with 10,000 FZB in its budget."""
    agency = AgencyFactory()
    services.agency_fund(agency=agency, amount=10_000, idempotency_key=key("fund"))
    return agency


@pytest.fixture
def rich_citizen(funded_agency):
    """A citizen holding 1,000 FZB paid from the funded agency's budget."""
    user = UserFactory()
    services.transfer_post(
        kind=TransactionKind.TIP_REWARD,
        source=services.agency_budget_account(funded_agency),
        destination=services.citizen_account(user),
        amount=1_000,
        idempotency_key=key("grant"),
    )
    return user
