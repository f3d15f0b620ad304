"""After the order: cancel, expiry and pickup, each leaving the ledger reconciled."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from accounts.services import agency_membership_add, grid_membership_add, pickup_point_membership_add
from accounts.tests.factories import GridFactory, PickupPointFactory
from ledger.models import Hold
from rewards import services
from rewards.models import Redemption, RedemptionStatus, RedemptionTally, RewardKind
from rewards.tasks import expire_redemptions_task
from rewards.tests.conftest import assert_ledger_reconciles, wallet

pytestmark = pytest.mark.django_db


@pytest.fixture
def reserved(citizen, make_reward, pickup_point):
    """A physical order of 2 × 80 FZB, reserved at the pickup point (limit 2 per person)."""
    reward = make_reward(kind=RewardKind.PHYSICAL, price=80, stock=10, limit=2)
    return services.reward_redeem(reward_id=reward.pk, user=citizen, quantity=2, pickup_point_id=pickup_point.pk)


def _assert_given_back(order: Redemption, citizen) -> None:
    order.reward.refresh_from_db()
    assert order.reward.stock_left == 10
    assert RedemptionTally.objects.get(user=citizen, reward=order.reward).quantity == 0
    assert wallet(citizen) == {"balance": 1000, "held": 0, "available": 1000}
    assert Hold.objects.get(pk=order.hold_id).status == "released"
    assert_ledger_reconciles()


def test_cancel_returns_points_stock_and_allowance(api_as, citizen, reserved):
    # given a reserved order holding 160 FZB
    assert wallet(citizen) == {"balance": 1000, "held": 160, "available": 840}
    # when the citizen cancels it
    response = api_as(citizen).post(f"/redemptions/{reserved.pk}/cancel")
    # then it is cancelled and everything comes back
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    _assert_given_back(reserved, citizen)
    # and the allowance is free again: they may order 2 more
    again = services.reward_redeem(
        reward_id=reserved.reward_id, user=citizen, quantity=2, pickup_point_id=reserved.pickup_point_id
    )
    assert again.status == RedemptionStatus.RESERVED


def test_cancelling_twice_changes_nothing_more(api_as, citizen, reserved):
    client = api_as(citizen)
    assert client.post(f"/redemptions/{reserved.pk}/cancel").status_code == 200
    second = client.post(f"/redemptions/{reserved.pk}/cancel")
    assert second.status_code == 200
    assert second.json()["status"] == "cancelled"
    _assert_given_back(reserved, citizen)


def test_only_the_owner_cancels_and_only_reserved_orders(api_as, citizen, make_user, reserved, clerk):
    stranger = make_user()
    assert api_as(stranger).post(f"/redemptions/{reserved.pk}/cancel").status_code == 404
    assert api_as(None).post(f"/redemptions/{reserved.pk}/cancel").status_code == 401
    services.redemption_fulfil(code=reserved.code, clerk=clerk)
    response = api_as(citizen).post(f"/redemptions/{reserved.pk}/cancel")
    assert response.status_code == 409
    assert response.json()["code"] == "not_reserved"


def test_virtual_orders_cannot_be_cancelled(api_as, citizen, make_reward):
    reward = make_reward(kind=RewardKind.VIRTUAL, price=50, codes=2)
    order = services.reward_redeem(reward_id=reward.pk, user=citizen)
    response = api_as(citizen).post(f"/redemptions/{order.pk}/cancel")
    assert response.status_code == 409
    assert wallet(citizen)["balance"] == 950


def test_expiry_refunds_overdue_orders_once_and_leaves_others(citizen, make_user, give_points, reserved, settings):
    # given one order past its pickup deadline and one still inside it
    fresh_owner = make_user()
    give_points(fresh_owner, 100)
    fresh = services.reward_redeem(
        reward_id=reserved.reward_id, user=fresh_owner, pickup_point_id=reserved.pickup_point_id
    )
    Redemption.objects.filter(pk=reserved.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    # when the beat job runs, twice (acks_late may deliver it again)
    assert expire_redemptions_task.delay().get() == 1
    assert expire_redemptions_task.delay().get() == 0
    # then the overdue one expired and refunded once; the fresh one waits on
    reserved.refresh_from_db()
    assert reserved.status == RedemptionStatus.EXPIRED
    assert reserved.closed_at is not None
    fresh.refresh_from_db()
    assert fresh.status == RedemptionStatus.RESERVED
    assert wallet(fresh_owner) == {"balance": 100, "held": 80, "available": 20}
    reserved.reward.refresh_from_db()
    assert reserved.reward.stock_left == 9  # 10 - fresh order's 1
    assert wallet(citizen) == {"balance": 1000, "held": 0, "available": 1000}
    assert_ledger_reconciles()
    assert "rewards.tasks.expire_redemptions_task" in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}


def test_pickup_deadline_follows_the_setting(citizen, make_reward, pickup_point, settings):
    settings.FUBI_PICKUP_HOURS = 24
    reward = make_reward(stock=3)
    before = timezone.now()
    order = services.reward_redeem(reward_id=reward.pk, user=citizen, pickup_point_id=pickup_point.pk)
    assert before + timedelta(hours=24) <= order.expires_at <= timezone.now() + timedelta(hours=24)


def test_clerk_fulfils_by_code_and_the_points_are_spent(api_as, citizen, clerk, reserved):
    # given a reserved order; the clerk types its code in lower case with a dash
    typed = f"{reserved.code[:4].lower()}-{reserved.code[4:]}"
    response = api_as(clerk).post("/redemptions/fulfil", {"code": typed})
    # then it is fulfilled and the held points are spent
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "fulfilled"
    assert body["id"] == reserved.pk
    assert body["citizen"] == "小张"
    assert wallet(citizen) == {"balance": 840, "held": 0, "available": 840}
    assert Hold.objects.get(pk=reserved.hold_id).status == "captured"
    assert_ledger_reconciles()
    # and a second scan is refused without spending again
    again = api_as(clerk).post("/redemptions/fulfil", {"code": reserved.code})
    assert again.status_code == 409
    assert again.json()["code"] == "already_fulfilled"
    assert wallet(citizen) == {"balance": 840, "held": 0, "available": 840}
    assert_ledger_reconciles()


def test_unknown_code_and_another_points_code_are_404(api_as, make_user, reserved, clerk):
    other_clerk = make_user()
    pickup_point_membership_add(user=other_clerk, pickup_point=PickupPointFactory())
    assert api_as(clerk).post("/redemptions/fulfil", {"code": "ZZZZZZZZ"}).status_code == 404
    response = api_as(other_clerk).post("/redemptions/fulfil", {"code": reserved.code})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    reserved.refresh_from_db()
    assert reserved.status == RedemptionStatus.RESERVED


def test_fulfil_is_for_clerks_only(api_as, citizen, make_user, reserved, agency):
    auditor = make_user(roles=[Role.AUDITOR])
    agency_staff = make_user()
    agency_membership_add(user=agency_staff, agency=agency)
    grid_staff = make_user()
    grid_membership_add(user=grid_staff, grid=GridFactory())
    admin = make_user(roles=[Role.ADMIN], is_staff=True)
    for user in (citizen, auditor, agency_staff, grid_staff, admin):
        response = api_as(user).post("/redemptions/fulfil", {"code": reserved.code})
        assert response.status_code == 403
    assert api_as(None).post("/redemptions/fulfil", {"code": reserved.code}).status_code == 401


def test_cancelled_or_overdue_orders_are_not_handed_over(api_as, citizen, clerk, reserved, make_reward, pickup_point):
    services.redemption_cancel(redemption_id=reserved.pk, user=citizen)
    response = api_as(clerk).post("/redemptions/fulfil", {"code": reserved.code})
    assert response.status_code == 409
    assert response.json()["code"] == "not_reserved"
    reward = make_reward(stock=3)
    late = services.reward_redeem(reward_id=reward.pk, user=citizen, pickup_point_id=pickup_point.pk)
    Redemption.objects.filter(pk=late.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api_as(clerk).post("/redemptions/fulfil", {"code": late.code})
    assert response.status_code == 409
    assert response.json()["code"] == "redemption_expired"
    assert wallet(citizen)["held"] == 80
