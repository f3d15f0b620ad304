"""Orders tell the citizen what happened: ready for pickup, handed over, expired — in the inbox."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rewards import services
from rewards.models import Redemption, RewardKind

pytestmark = pytest.mark.django_db


def inbox_kinds(user) -> list[str]:
    from engagement.models import Notification  # tests may look at the listener's rows; apps never do

    return sorted(Notification.objects.filter(user=user, kind__startswith="redemption").values_list("kind", flat=True))


def test_a_reserved_order_then_its_pickup_reach_the_inbox(
    citizen, clerk, make_reward, pickup_point, django_capture_on_commit_callbacks
) -> None:
    reward = make_reward(kind=RewardKind.PHYSICAL, price=80, stock=5)
    with django_capture_on_commit_callbacks(execute=True):
        order = services.reward_redeem(reward_id=reward.pk, user=citizen, quantity=1, pickup_point_id=pickup_point.pk)
    assert inbox_kinds(citizen) == ["redemption_ready"]
    with django_capture_on_commit_callbacks(execute=True):
        services.redemption_fulfil(code=order.code, clerk=clerk)
    assert inbox_kinds(citizen) == ["redemption_fulfilled", "redemption_ready"]


def test_an_expired_order_reaches_the_inbox_once(
    citizen, make_reward, pickup_point, django_capture_on_commit_callbacks
) -> None:
    reward = make_reward(kind=RewardKind.PHYSICAL, price=80, stock=5)
    with django_capture_on_commit_callbacks(execute=True):
        order = services.reward_redeem(reward_id=reward.pk, user=citizen, quantity=1, pickup_point_id=pickup_point.pk)
    Redemption.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.redemption_expire(redemption_id=order.pk)
        services.redemption_expire(redemption_id=order.pk)
    assert inbox_kinds(citizen) == ["redemption_expired", "redemption_ready"]
