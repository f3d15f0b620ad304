"""rewards.queries: an order's statements give what the ORM gives."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import PickupPoint
from accounts.tests.factories import PickupPointFactory
from core.tests.rowcheck import row_values
from rewards import services
from rewards.models import Redemption, RedemptionStatus, RedemptionTally, Reward, RewardKind
from rewards.queries import (
    order_stock_take,
    redemption_insert,
    reward_on_sale,
    reward_stock_and_replay,
    tally_lock,
)

SALE_FIELDS = ["id", "name", "kind", "price_points", "stock_left", "per_user_limit"]


@pytest.mark.django_db
def test_reward_on_sale_is_the_orms_reward_point_and_replay(citizen, make_reward, pickup_point) -> None:
    reward = make_reward(stock=5, limit=3)
    now = timezone.now()
    sale = reward_on_sale(
        reward_id=reward.pk, user_id=citizen.pk, request_key="k1", pickup_point_id=pickup_point.pk, now=now
    )
    orm_reward = Reward.objects.available(now).get(pk=reward.pk)
    assert row_values(sale.reward, SALE_FIELDS) == row_values(orm_reward, SALE_FIELDS)
    assert row_values(sale.pickup_point, ["id", "name", "address"]) == row_values(
        reward.pickup_points.filter(is_active=True).get(pk=pickup_point.pk), ["id", "name", "address"]
    )
    assert sale.replayed_id is None
    # the order a request key made is found as the ORM finds it
    order = services.reward_redeem(reward_id=reward.pk, user=citizen, pickup_point_id=pickup_point.pk, request_key="k1")
    again = reward_on_sale(
        reward_id=reward.pk, user_id=citizen.pk, request_key="k1", pickup_point_id=pickup_point.pk, now=now
    )
    assert again.replayed_id == Redemption.objects.get(user=citizen, request_key="k1").pk == order.pk


@pytest.mark.django_db
def test_reward_on_sale_leaves_out_what_the_orm_leaves_out(citizen, make_reward, pickup_point) -> None:
    reward = make_reward()
    now = timezone.now()
    elsewhere = PickupPointFactory(name="Not this reward's")

    def sale(**changes):
        arguments = {"reward_id": reward.pk, "user_id": citizen.pk, "request_key": None, "now": now}
        return reward_on_sale(**{**arguments, "pickup_point_id": pickup_point.pk, **changes})

    # a point the reward is not sold at: the reward, no point
    assert sale(pickup_point_id=elsewhere.pk).pickup_point is None
    PickupPoint.objects.filter(pk=pickup_point.pk).update(is_active=False)
    assert sale().pickup_point is None
    # outside its sales window, or inactive: nothing, as Reward.objects.available()
    Reward.objects.filter(pk=reward.pk).update(ends_at=now)
    assert sale() is None
    assert Reward.objects.available(now).filter(pk=reward.pk).exists() is False
    Reward.objects.filter(pk=reward.pk).update(ends_at=None, is_active=False)
    assert sale() is None
    assert sale(reward_id=reward.pk + 1000) is None


@pytest.mark.django_db
def test_stock_and_replay_is_what_the_orm_reads(citizen, make_reward) -> None:
    reward = make_reward(kind=RewardKind.VIRTUAL, codes=4)
    assert reward_stock_and_replay(reward_id=reward.pk, user_id=citizen.pk, request_key="v1") == (4, None)
    order = services.reward_redeem(reward_id=reward.pk, user=citizen, request_key="v1")
    stock = Reward.objects.values_list("stock_left", flat=True).get(pk=reward.pk)
    assert reward_stock_and_replay(reward_id=reward.pk, user_id=citizen.pk, request_key="v1") == (stock, order.pk)
    assert stock == 3
    assert reward_stock_and_replay(reward_id=reward.pk + 1000, user_id=citizen.pk, request_key="v1") is None


@pytest.mark.django_db
def test_tally_lock_creates_once_and_answers_the_orms_row(citizen, make_reward) -> None:
    reward = make_reward()
    now = timezone.now()
    with transaction.atomic():
        first = tally_lock(user_id=citizen.pk, reward_id=reward.pk, now=now)
        second = tally_lock(user_id=citizen.pk, reward_id=reward.pk, now=now + timedelta(seconds=5))
    orm = RedemptionTally.objects.get(user=citizen, reward=reward)
    assert row_values(first) == row_values(second) == row_values(orm)
    assert (orm.quantity, orm.created_at, orm.updated_at) == (0, now, now)


def _order(citizen, reward, pickup_point, code: str) -> Redemption:
    return Redemption(
        user=citizen,
        reward=reward,
        quantity=2,
        points=160,
        status=RedemptionStatus.RESERVED,
        code=code,
        pickup_point=pickup_point,
        request_key="r1",
        expires_at=timezone.now() + timedelta(hours=48),
    )


@pytest.mark.django_db
def test_redemption_insert_writes_the_row_the_orm_reads(citizen, make_reward, pickup_point) -> None:
    reward = make_reward()
    now = timezone.now()
    order = _order(citizen, reward, pickup_point, "ABCD2345")
    assert redemption_insert(redemption=order, now=now) is True
    assert order._state.adding is False
    assert row_values(order) == row_values(Redemption.objects.get(pk=order.pk))
    # a taken code inserts nothing
    clash = _order(citizen, reward, pickup_point, "ABCD2345")
    clash.request_key = "r2"
    assert redemption_insert(redemption=clash, now=now) is False
    assert clash.pk is None
    assert Redemption.objects.filter(code="ABCD2345").count() == 1


@pytest.mark.django_db
def test_order_stock_take_moves_what_the_orm_then_reads(citizen, make_reward, pickup_point) -> None:
    reward = make_reward(stock=3)
    now = timezone.now()
    order = _order(citizen, reward, pickup_point, "TAKE2345")
    with transaction.atomic():
        tally = tally_lock(user_id=citizen.pk, reward_id=reward.pk, now=now)
        redemption_insert(redemption=order, now=now)
        # when two are taken, then two more (only one is left)
        assert order_stock_take(
            reward_id=reward.pk, quantity=2, tally_id=tally.pk, redemption_id=order.pk, hold_id=None, now=now
        )
        refused = order_stock_take(
            reward_id=reward.pk, quantity=2, tally_id=tally.pk, redemption_id=order.pk, hold_id=None, now=now
        )
    # then the second took no stock (the caller rolls its tally and order back)
    assert refused is False
    assert Reward.objects.values_list("stock_left", flat=True).get(pk=reward.pk) == 1
    assert RedemptionTally.objects.values_list("quantity", flat=True).get(pk=tally.pk) == 4
