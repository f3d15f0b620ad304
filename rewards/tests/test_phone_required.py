"""Shop orders need a verified phone when FUBI_REQUIRE_VERIFIED_PHONE is on (issue 13, hole 9): one
person with a pile of throwaway accounts cannot empty the shop."""

import pytest

from accounts import sms
from accounts.tests.phone import verify_phone
from rewards.models import Redemption
from rewards.tests.conftest import wallet

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()


def test_an_unverified_account_cannot_order(settings, citizen, make_reward, pickup_point, api_as) -> None:
    # given the production rule, and a citizen with points but no verified phone
    settings.FUBI_REQUIRE_VERIFIED_PHONE = True
    reward = make_reward(price=80, stock=10)
    # when they order
    response = api_as(citizen).post(
        f"/rewards/{reward.id}/redemptions", {"quantity": 1, "pickup_point_id": pickup_point.id}
    )
    # then it is refused and nothing moved
    assert (response.status_code, response.json()["code"]) == (403, "phone_unverified")
    reward.refresh_from_db()
    assert reward.stock_left == 10
    assert wallet(citizen) == {"balance": 1000, "held": 0, "available": 1000}
    assert not Redemption.objects.exists()


def test_a_verified_account_orders(
    settings, citizen, make_reward, pickup_point, api_as, django_capture_on_commit_callbacks
) -> None:
    settings.FUBI_REQUIRE_VERIFIED_PHONE = True
    verify_phone(citizen, django_capture_on_commit_callbacks)
    reward = make_reward(price=80, stock=10)
    response = api_as(citizen).post(
        f"/rewards/{reward.id}/redemptions", {"quantity": 1, "pickup_point_id": pickup_point.id}
    )
    assert (response.status_code, response.json()["status"]) == (201, "reserved")


def test_without_the_setting_an_unverified_account_orders(citizen, make_reward, pickup_point, api_as) -> None:
    reward = make_reward(price=80, stock=10)
    response = api_as(citizen).post(
        f"/rewards/{reward.id}/redemptions", {"quantity": 1, "pickup_point_id": pickup_point.id}
    )
    assert response.status_code == 201
