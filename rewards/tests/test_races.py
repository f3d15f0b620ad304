"""Races on PostgreSQL with real threads: stock and per-person limits hold under contention."""

import pytest
from django.test import Client

from accounts.models import User
from conftest import ApiClient, login_token
from rewards import services
from rewards.errors import AlreadyFulfilledError, LimitReachedError, OutOfStockError, RedemptionNotReservedError
from rewards.models import Redemption, RedemptionStatus, RedemptionTally, RewardKind
from rewards.tests.conftest import (
    assert_ledger_reconciles,
    assert_no_negative_citizen_balance,
    wallet,
)
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_500_citizens_racing_for_10_items_make_exactly_10_orders(give_points, make_reward, pickup_point):
    # given 10 in stock and 500 citizens with exactly the price each (nobody can afford two)
    reward = make_reward(kind=RewardKind.PHYSICAL, price=80, stock=10)
    users = User.objects.bulk_create([User(email=f"racer{n}@example.com") for n in range(500)])
    for user in users:
        give_points(user, 80)

    # when all 500 try at once on 40 threads
    results = race(
        lambda user: services.reward_redeem(
            reward_id=reward.pk, user=user, quantity=1, pickup_point_id=pickup_point.pk
        ),
        users,
        threads=40,
        expected=OutOfStockError,
    )

    # then exactly 10 win, every loser is told out_of_stock, and nothing else went wrong
    winners = [r for r in results if isinstance(r, Redemption)]
    losers = [r for r in results if isinstance(r, OutOfStockError)]
    assert len(winners) == 10
    assert len(losers) == 490
    reward.refresh_from_db()
    assert reward.stock_left == 0
    assert Redemption.objects.filter(reward=reward, status=RedemptionStatus.RESERVED).count() == 10
    assert sum(RedemptionTally.objects.filter(reward=reward).values_list("quantity", flat=True)) == 10
    # the winners' points are held, the losers' untouched, no balance below zero
    winner_ids = {r.user_id for r in winners}
    for user in users:
        expected = {"balance": 80, "held": 80, "available": 0} if user.pk in winner_ids else None
        if expected:
            assert wallet(user) == expected
        else:
            assert wallet(user) == {"balance": 80, "held": 0, "available": 80}
    assert_no_negative_citizen_balance()
    assert_ledger_reconciles()


def test_one_citizen_racing_past_the_per_person_limit_through_the_api(citizen, make_reward, pickup_point):
    # given a limit of 2 per person, plenty of stock and plenty of points
    reward = make_reward(kind=RewardKind.PHYSICAL, price=10, stock=100, limit=2)
    token = login_token(Client(), citizen.email)

    def attempt(n: int):
        return ApiClient(token).post(
            f"/rewards/{reward.pk}/redemptions",
            {"quantity": 1, "pickup_point_id": pickup_point.pk},
            headers={"Idempotency-Key": f"race-{n}"},
        )

    # when the same citizen fires 20 orders at once, each with its own Idempotency-Key
    responses = race(attempt, range(20))

    # then exactly 2 succeed and 18 are refused with limit_reached
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] * 2 + [409] * 18, [r.content for r in responses if r.status_code not in (201, 409)][:2]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"limit_reached"}
    assert Redemption.objects.filter(user=citizen, reward=reward).count() == 2
    reward.refresh_from_db()
    assert reward.stock_left == 98
    assert wallet(citizen) == {"balance": 1000, "held": 20, "available": 980}
    assert_ledger_reconciles()


def test_one_citizen_firing_the_same_keyed_order_at_once_orders_once(citizen, make_reward, pickup_point):
    # given a citizen with points and plenty of stock
    reward = make_reward(kind=RewardKind.PHYSICAL, price=10, stock=100)
    token = login_token(Client(), citizen.email)

    def attempt(_: int):
        return ApiClient(token).post(
            f"/rewards/{reward.pk}/redemptions",
            {"quantity": 1, "pickup_point_id": pickup_point.pk},
            headers={"Idempotency-Key": "one-tap"},
        )

    # when the app sends the same order 12 times at once (a retry storm), all with one key
    responses = race(attempt, range(12))

    # then every answer is the same order, and only one was made and paid for
    assert {r.status_code for r in responses} == {201}, [r.content for r in responses][:2]
    assert len({r.json()["id"] for r in responses}) == 1
    assert Redemption.objects.filter(user=citizen, reward=reward).count() == 1
    reward.refresh_from_db()
    assert reward.stock_left == 99
    assert wallet(citizen) == {"balance": 1000, "held": 10, "available": 990}
    assert_ledger_reconciles()


def test_virtual_codes_go_to_exactly_one_order_each(make_user, give_points, make_reward):
    # given 5 codes and 30 citizens racing for them
    reward = make_reward(kind=RewardKind.VIRTUAL, price=10, codes=5)
    users = [make_user() for _ in range(30)]
    for user in users:
        give_points(user, 10)

    results = race(
        lambda user: services.reward_redeem(reward_id=reward.pk, user=user), users, threads=15, expected=OutOfStockError
    )

    winners = [r for r in results if isinstance(r, Redemption)]
    assert len(winners) == 5
    assert sum(isinstance(r, OutOfStockError) for r in results) == 25
    handed = [code for w in winners for code in Redemption.objects.get(pk=w.pk).voucher_codes]
    assert len(handed) == len(set(handed)) == 5
    assert_ledger_reconciles()


def test_the_same_order_fulfilled_twice_at_once_is_handed_over_once(citizen, clerk, make_reward, pickup_point):
    reward = make_reward(price=80, stock=5)
    order = services.reward_redeem(reward_id=reward.pk, user=citizen, pickup_point_id=pickup_point.pk)

    results = race(
        lambda _: services.redemption_fulfil(code=order.code, clerk=clerk), range(4), expected=AlreadyFulfilledError
    )

    assert sum(isinstance(r, Redemption) for r in results) == 1
    assert sum(isinstance(r, AlreadyFulfilledError) for r in results) == 3
    assert wallet(citizen) == {"balance": 920, "held": 0, "available": 920}
    assert_ledger_reconciles()


def test_cancel_racing_expiry_gives_back_once(citizen, make_reward, pickup_point):
    from datetime import timedelta

    from django.utils import timezone

    reward = make_reward(price=80, stock=5, limit=1)
    order = services.reward_redeem(reward_id=reward.pk, user=citizen, pickup_point_id=pickup_point.pk)
    Redemption.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    def act(which: str):
        if which == "cancel":
            return services.redemption_cancel(redemption_id=order.pk, user=citizen)
        return services.redemptions_expire()

    cancelled, *expired, cancelled_again = race(
        act, ["cancel", "expire", "expire", "cancel"], expected=RedemptionNotReservedError
    )

    # then whichever came first, it alone gave back: either a cancel (both cancels answer the
    # cancelled order, no expiry ran) or an expiry (it expired one order, both cancels are refused)
    order.refresh_from_db()
    outcome = (order.status, sorted(expired), [type(cancelled), type(cancelled_again)])
    assert outcome in [
        (RedemptionStatus.CANCELLED, [0, 0], [Redemption, Redemption]),
        (RedemptionStatus.EXPIRED, [0, 1], [RedemptionNotReservedError, RedemptionNotReservedError]),
    ]
    reward.refresh_from_db()
    assert reward.stock_left == 5
    assert RedemptionTally.objects.get(user=citizen, reward=reward).quantity == 0
    assert wallet(citizen) == {"balance": 1000, "held": 0, "available": 1000}
    assert_ledger_reconciles()


def test_limit_holds_for_one_citizen_racing_in_the_service(citizen, make_reward, pickup_point):
    reward = make_reward(price=10, stock=100, limit=3)
    results = race(
        lambda _: services.reward_redeem(reward_id=reward.pk, user=citizen, pickup_point_id=pickup_point.pk),
        range(12),
        expected=LimitReachedError,
    )
    assert sum(isinstance(r, Redemption) for r in results) == 3
    assert sum(isinstance(r, LimitReachedError) for r in results) == 9
