"""Reward-shop test helpers: funded citizens, clerks and rewards, all made through real services."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from djmoney.money import Money

from accounts.services import pickup_point_membership_add
from accounts.tests.factories import AgencyFactory, PickupPointFactory
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.models import Account, TransactionKind
from ledger.reconciliation import reconciliation_report
from ledger.tests.conftest import key  # one counter of idempotency keys for the ledger and the shop
from rewards import services
from rewards.models import Reward, RewardKind


@pytest.fixture
def agency(db):
    """An agency with 10,000,000 FZB in its budget: the source of every test citizen's points."""
    agency = AgencyFactory()
    ledger_services.agency_fund(agency=agency, amount=10_000_000, idempotency_key=key("fund"))
    return agency


@pytest.fixture
def give_points(agency) -> Callable[[Any, int], None]:
    """give_points(user, amount): pay the citizen from the agency's budget, as a task payout would."""

    def give(user, amount: int) -> None:
        ledger_services.transfer_post(
            kind=TransactionKind.TASK_PAYOUT,
            source=ledger_services.agency_budget_account(agency),
            destination=ledger_services.citizen_account(user),
            amount=amount,
            idempotency_key=key("grant"),
        )

    return give


@pytest.fixture
def citizen(make_user, give_points):
    """A citizen with 1,000 FZB."""
    user = make_user(display_name="小张")
    give_points(user, 1_000)
    return user


@pytest.fixture
def pickup_point(db):
    return PickupPointFactory(name="Guxi Service Point")


@pytest.fixture
def clerk(make_user, pickup_point):
    user = make_user(display_name="陈店员")
    pickup_point_membership_add(user=user, pickup_point=pickup_point)
    return user


@pytest.fixture
def make_reward(db, pickup_point):
    """make_reward(kind=, price=, stock=, limit=, codes=) → a reward on sale (physical ones at pickup_point)."""

    def make(
        kind: str = RewardKind.PHYSICAL,
        price: int = 80,
        stock: int = 100,
        limit: int | None = None,
        codes: int = 0,
        **kw,
    ) -> Reward:
        reward = Reward.objects.create(
            name=kw.pop("name", key("reward")),
            kind=kind,
            price_points=price,
            cost=Money(Decimal("9.90"), "CNY"),
            stock_left=stock if kind == RewardKind.PHYSICAL else 0,
            per_user_limit=limit,
            **kw,
        )
        if kind == RewardKind.PHYSICAL:
            reward.pickup_points.add(pickup_point)
        else:
            added = services.voucher_codes_add(reward=reward, codes=[f"V-{reward.pk}-{n:05d}" for n in range(codes)])
            assert added == codes
            reward.refresh_from_db()
        return reward

    return make


def wallet(user) -> dict[str, int]:
    """{"balance", "held", "available"} of the citizen's ledger account."""
    return ledger_selectors.account_balance(ledger_services.citizen_account(user))


def assert_ledger_reconciles() -> None:
    """The ledger's own reconciliation: every transaction balances, every balance row matches its postings."""
    report = reconciliation_report()
    assert report["mismatches"] == []


def assert_no_negative_citizen_balance() -> None:
    assert not Account.objects.filter(kind="citizen", posted__lt=0).exists()
    assert not Account.objects.filter(kind="citizen", held__lt=0).exists()
