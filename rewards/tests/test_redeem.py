"""Redeeming through the API: what a citizen gets, what it costs, and every refusal."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import PickupPointFactory
from rewards.models import Redemption, RedemptionStatus, RedemptionTally, Reward, RewardKind, VoucherCode
from rewards.tests.conftest import assert_ledger_reconciles, wallet

pytestmark = pytest.mark.django_db


def test_shop_lists_rewards_on_sale_to_anonymous_visitors(api_as, make_reward, pickup_point, django_assert_num_queries):
    # given two rewards on sale, one inactive and one whose sale has ended
    physical = make_reward(kind=RewardKind.PHYSICAL, price=80, stock=5, limit=2)
    virtual = make_reward(kind=RewardKind.VIRTUAL, price=50, codes=3)
    make_reward(is_active=False)
    make_reward(ends_at=timezone.now() - timedelta(days=1), starts_at=timezone.now() - timedelta(days=2))
    client = api_as(None)
    # when an anonymous visitor lists the shop (a fixed number of queries, however many rewards)
    with django_assert_num_queries(3):
        response = client.get("/rewards")
    # then only the two on sale show, with the contract's fields
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    by_id = {item["id"]: item for item in body["items"]}
    assert by_id[physical.pk]["kind"] == "physical"
    assert by_id[physical.pk]["price_points"] == 80
    assert by_id[physical.pk]["stock_left"] == 5
    assert by_id[physical.pk]["per_user_limit"] == 2
    assert by_id[physical.pk]["pickup_points"][0]["id"] == pickup_point.pk
    assert by_id[virtual.pk]["stock_left"] == 3
    assert by_id[virtual.pk]["pickup_points"] == []


def test_virtual_reward_delivers_a_code_and_spends_the_points(api_as, citizen, make_reward):
    # given a virtual reward with codes and a citizen with 1,000 FZB
    reward = make_reward(kind=RewardKind.VIRTUAL, price=50, codes=3)
    # when they redeem two
    response = api_as(citizen).post(f"/rewards/{reward.pk}/redemptions", {"quantity": 2})
    # then the order is delivered with two codes from the pool, and 100 FZB are spent (not held)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "delivered"
    assert body["points"] == 100
    assert body["voucher"] == f"V-{reward.pk}-00000"
    assert body["vouchers"] == [f"V-{reward.pk}-00000", f"V-{reward.pk}-00001"]
    assert len(body["code"]) == 8
    assert wallet(citizen) == {"balance": 900, "held": 0, "available": 900}
    reward.refresh_from_db()
    assert reward.stock_left == 1
    assert VoucherCode.objects.filter(reward=reward, redemption__isnull=True).count() == 1
    assert_ledger_reconciles()


def test_physical_reward_is_reserved_with_a_pickup_code_and_points_held(api_as, citizen, make_reward, pickup_point):
    reward = make_reward(kind=RewardKind.PHYSICAL, price=80, stock=10)
    response = api_as(citizen).post(
        f"/rewards/{reward.pk}/redemptions", {"quantity": 1, "pickup_point_id": pickup_point.pk}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "reserved"
    assert len(body["code"]) == 8
    assert body["points"] == 80
    assert body["voucher"] is None
    assert body["pickup_point"]["id"] == pickup_point.pk
    # the pickup deadline: FUBI_PICKUP_HOURS (72) after the order, as stored (the API gives milliseconds)
    order = Redemption.objects.get(pk=body["id"])
    assert abs(datetime.fromisoformat(body["expires_at"]) - order.expires_at) < timedelta(milliseconds=1)
    assert abs(order.expires_at - order.created_at - timedelta(hours=72)) < timedelta(seconds=1)
    assert wallet(citizen) == {"balance": 1000, "held": 80, "available": 920}
    reward.refresh_from_db()
    assert reward.stock_left == 9
    assert_ledger_reconciles()


def test_not_enough_points_is_refused_and_changes_nothing(api_as, make_user, give_points, make_reward, pickup_point):
    poor = make_user()
    give_points(poor, 79)
    reward = make_reward(price=80, stock=10)
    response = api_as(poor).post(f"/rewards/{reward.pk}/redemptions", {"pickup_point_id": pickup_point.pk})
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_points"
    reward.refresh_from_db()
    assert reward.stock_left == 10
    assert not Redemption.objects.exists()
    assert RedemptionTally.objects.filter(quantity__gt=0).count() == 0
    assert wallet(poor) == {"balance": 79, "held": 0, "available": 79}


def test_a_citizen_who_never_earned_points_gets_insufficient_points(api_as, make_user, make_reward, pickup_point):
    reward = make_reward(price=10, stock=10)
    response = api_as(make_user()).post(f"/rewards/{reward.pk}/redemptions", {"pickup_point_id": pickup_point.pk})
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_points"


def test_out_of_stock_is_refused(api_as, citizen, make_reward, pickup_point):
    reward = make_reward(stock=1)
    response = api_as(citizen).post(
        f"/rewards/{reward.pk}/redemptions", {"quantity": 2, "pickup_point_id": pickup_point.pk}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "out_of_stock"
    assert wallet(citizen)["held"] == 0


def test_virtual_reward_without_codes_left_counts_as_out_of_stock(api_as, citizen, make_reward):
    # given a virtual reward whose counter says 5 but whose pool has 1 code
    reward = make_reward(kind=RewardKind.VIRTUAL, codes=1)
    Reward.objects.filter(pk=reward.pk).update(stock_left=5)
    response = api_as(citizen).post(f"/rewards/{reward.pk}/redemptions", {"quantity": 2})
    assert response.status_code == 409
    assert response.json()["code"] == "out_of_stock"
    reward.refresh_from_db()
    assert reward.stock_left == 5  # the whole order rolled back
    assert wallet(citizen) == {"balance": 1000, "held": 0, "available": 1000}


def test_per_person_limit_counts_earlier_orders(api_as, citizen, make_reward, pickup_point):
    reward = make_reward(stock=10, limit=2)
    client = api_as(citizen)
    body = {"quantity": 2, "pickup_point_id": pickup_point.pk}
    assert client.post(f"/rewards/{reward.pk}/redemptions", body).status_code == 201
    response = client.post(f"/rewards/{reward.pk}/redemptions", {**body, "quantity": 1})
    assert response.status_code == 409
    assert response.json()["code"] == "limit_reached"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"quantity": 0}, "invalid_quantity"),
        ({"quantity": 11}, "invalid_quantity"),
        ({"quantity": -1}, "invalid_quantity"),
        ({"quantity": 1}, "invalid_pickup_point"),
        ({"quantity": 1, "pickup_point_id": 999999}, "invalid_pickup_point"),
        ({"quantity": "lots"}, "invalid"),
    ],
)
def test_bad_quantity_or_pickup_point_is_422(api_as, citizen, make_reward, body, code):
    reward = make_reward(stock=10)
    response = api_as(citizen).post(f"/rewards/{reward.pk}/redemptions", body)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == code
    assert not Redemption.objects.exists()


def test_a_pickup_point_the_reward_is_not_offered_at_is_422(api_as, citizen, make_reward):
    reward = make_reward(stock=10)
    elsewhere = PickupPointFactory()
    response = api_as(citizen).post(f"/rewards/{reward.pk}/redemptions", {"pickup_point_id": elsewhere.pk})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_pickup_point"


def test_a_closed_pickup_point_is_422_and_an_open_one_is_in_the_answer(api_as, citizen, make_reward, pickup_point):
    reward = make_reward(stock=10)
    client = api_as(citizen)
    pickup_point.is_active = False
    pickup_point.save(update_fields=["is_active"])
    closed = client.post(f"/rewards/{reward.pk}/redemptions", {"pickup_point_id": pickup_point.pk})
    assert closed.status_code == 422
    assert closed.json()["code"] == "invalid_pickup_point"
    assert not Redemption.objects.exists()
    pickup_point.is_active = True
    pickup_point.save(update_fields=["is_active"])
    ordered = client.post(f"/rewards/{reward.pk}/redemptions", {"pickup_point_id": pickup_point.pk})
    assert ordered.status_code == 201, ordered.content
    shown = ordered.json()["pickup_point"]
    assert shown == {"id": pickup_point.pk, "name": pickup_point.name, "address": pickup_point.address}
    assert Redemption.objects.get().pickup_point_id == pickup_point.pk


def test_inactive_future_and_unknown_rewards_are_404(api_as, citizen, make_reward, pickup_point):
    inactive = make_reward(is_active=False)
    future = make_reward(starts_at=timezone.now() + timedelta(days=1))
    client = api_as(citizen)
    for reward_id in (inactive.pk, future.pk, 987654):
        response = client.post(f"/rewards/{reward_id}/redemptions", {"pickup_point_id": pickup_point.pk})
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert client.get(f"/rewards/{inactive.pk}").status_code == 404


def test_replayed_request_with_the_same_idempotency_key_changes_nothing(api_as, citizen, make_reward, pickup_point):
    reward = make_reward(price=80, stock=10)
    client = api_as(citizen)
    headers = {"Idempotency-Key": "order-1"}
    body = {"quantity": 1, "pickup_point_id": pickup_point.pk}
    first = client.post(f"/rewards/{reward.pk}/redemptions", body, headers=headers)
    second = client.post(f"/rewards/{reward.pk}/redemptions", body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Redemption.objects.count() == 1
    reward.refresh_from_db()
    assert reward.stock_left == 9
    assert wallet(citizen)["held"] == 80
    # the same key on another body is refused
    other = client.post(f"/rewards/{reward.pk}/redemptions", {**body, "quantity": 2}, headers=headers)
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    assert_ledger_reconciles()


def test_service_level_request_key_returns_the_first_order(citizen, make_reward, pickup_point):
    from rewards import services

    reward = make_reward(stock=10)
    first = services.reward_redeem(
        reward_id=reward.pk, user=citizen, pickup_point_id=pickup_point.pk, request_key="form:abc"
    )
    again = services.reward_redeem(
        reward_id=reward.pk, user=citizen, pickup_point_id=pickup_point.pk, request_key="form:abc"
    )
    assert again.pk == first.pk
    assert Redemption.objects.count() == 1


def test_my_orders_lists_only_mine(api_as, citizen, make_user, give_points, make_reward, pickup_point):
    other = make_user()
    give_points(other, 500)
    reward = make_reward(stock=10)
    api_as(citizen).post(f"/rewards/{reward.pk}/redemptions", {"pickup_point_id": pickup_point.pk})
    api_as(other).post(f"/rewards/{reward.pk}/redemptions", {"pickup_point_id": pickup_point.pk})
    body = api_as(citizen).get("/redemptions").json()
    assert body["count"] == 1
    assert body["items"][0]["status"] == RedemptionStatus.RESERVED
    mine = Redemption.objects.get(user=citizen)
    theirs = Redemption.objects.get(user=other)
    assert api_as(citizen).get(f"/redemptions/{mine.pk}").status_code == 200
    assert api_as(citizen).get(f"/redemptions/{theirs.pk}").status_code == 404


def test_only_citizens_redeem(api_as, make_user, make_reward, pickup_point):
    reward = make_reward(stock=10)
    auditor = make_user(roles=[Role.AUDITOR])
    anonymous = api_as(None).post(f"/rewards/{reward.pk}/redemptions", {"pickup_point_id": pickup_point.pk})
    assert anonymous.status_code == 401
    refused = api_as(auditor).post(f"/rewards/{reward.pk}/redemptions", {"pickup_point_id": pickup_point.pk})
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert api_as(None).get("/redemptions").status_code == 401


def test_a_pickup_code_collision_draws_a_new_code(citizen, make_reward, pickup_point, monkeypatch):
    from rewards import services

    reward = make_reward(stock=10)
    first = services.reward_redeem(reward_id=reward.pk, user=citizen, pickup_point_id=pickup_point.pk)
    codes = iter([first.code, "NEWCODE2"])
    monkeypatch.setattr(services, "pickup_code_new", lambda: next(codes))
    second = services.reward_redeem(reward_id=reward.pk, user=citizen, pickup_point_id=pickup_point.pk)
    assert second.code == "NEWCODE2"
    assert Redemption.objects.count() == 2
