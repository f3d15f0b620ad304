"""The shop at phone size: a citizen buys a physical reward, the clerk hands it over by code."""

from decimal import Decimal

import pytest
from djmoney.money import Money

from accounts.services import pickup_point_membership_add
from accounts.tests.factories import AgencyFactory, PickupPointFactory
from ledger import services as ledger_services
from ledger.models import TransactionKind
from rewards.models import Redemption, Reward, RewardKind
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"


def test_citizen_buys_a_physical_reward_and_the_clerk_hands_it_over(new_page, make_user) -> None:
    # given a citizen with 1,000 FZB, a clerk of a pickup point, and shower gel for 80 FZB there
    agency = AgencyFactory()
    ledger_services.agency_fund(agency=agency, amount=100_000, idempotency_key="browser:fund")
    citizen = make_user(display_name="小张")
    ledger_services.transfer_post(
        kind=TransactionKind.TASK_PAYOUT,
        source=ledger_services.agency_budget_account(agency),
        destination=ledger_services.citizen_account(citizen),
        amount=1_000,
        idempotency_key="browser:grant",
    )
    point = PickupPointFactory(name="鼓西街道便民服务站")
    clerk = make_user(display_name="陈店员")
    pickup_point_membership_add(user=clerk, pickup_point=point)
    reward = Reward.objects.create(
        name="沐浴露 500ml",
        name_en="Shower gel 500 ml",
        kind=RewardKind.PHYSICAL,
        price_points=80,
        cost=Money(Decimal("12.90"), "CNY"),
        stock_left=50,
    )
    reward.pickup_points.add(point)

    # when the citizen finds it in the shop on their phone and redeems it
    page = new_page(locale="zh-CN")
    browser_login(page, citizen.email, PASSWORD)
    page.goto("/rewards/")
    assert "1000" in page.get_by_test_id("my-points").inner_text()
    assert page.get_by_test_id(f"reward-{reward.pk}").is_visible()
    screenshot(page, "rewards-shop-phone")
    page.get_by_test_id(f"reward-{reward.pk}").click()
    assert page.get_by_test_id("reward-name").inner_text() == "沐浴露 500ml"
    page.select_option("#pickup_point_id", str(point.pk))
    page.get_by_test_id("redeem-button").click()
    page.wait_for_url("**/rewards/orders/**")

    # then "my orders" shows the reservation with its pickup code and QR code
    order = Redemption.objects.get(user=citizen)
    card = page.get_by_test_id(f"order-{order.pk}")
    assert card.get_attribute("data-status") == "reserved"
    code = card.get_by_test_id("pickup-code").inner_text().strip()
    assert code == order.code
    assert card.locator(".qr svg").is_visible()
    box = card.locator(".qr svg").bounding_box()
    assert box is not None
    assert box["width"] >= 150  # big enough to scan from a phone screen
    screenshot(page, "rewards-order-reserved-phone")
    held = page.request.get("/api/v1/wallet").json()
    assert (held["balance"], held["held"], held["available"]) == (1000, 80, 920)

    # when the clerk types the code on the counter page
    counter = new_page(locale="zh-CN")
    browser_login(counter, clerk.email, PASSWORD)
    counter.goto("/staff/fulfil/")
    counter.get_by_test_id("fulfil-code").fill(code.lower())
    counter.get_by_test_id("fulfil-button").click()
    counter.wait_for_load_state("networkidle")

    # then the counter says what to hand over
    handed = counter.get_by_test_id("fulfilled")
    assert "沐浴露 500ml" in handed.inner_text()
    assert "小张" in handed.inner_text()
    assert counter.get_by_test_id("count-fulfilled").inner_text() == "1"
    screenshot(counter, "rewards-clerk-fulfilled-phone")

    # and the citizen's order shows picked up, and the wallet (API and /wallet/ page) shows the spend
    page.reload()
    card = page.get_by_test_id(f"order-{order.pk}")
    assert card.get_attribute("data-status") == "fulfilled"
    assert card.locator(".qr svg").count() == 0  # the code is used up
    wallet = page.request.get("/api/v1/wallet").json()
    assert (wallet["balance"], wallet["held"], wallet["available"]) == (920, 0, 920)
    entries = page.request.get("/api/v1/wallet/entries").json()["items"]
    assert [entry["kind"] for entry in entries[:2]] == ["redemption_hold", "task_payout"]
    screenshot(page, "rewards-order-fulfilled-phone")
    # the wallet page too: 920 left, nothing held, the order's line in the history
    page.goto("/wallet/")
    assert page.get_by_test_id("wallet-balance").inner_text().split()[0] == "920"
    assert page.get_by_test_id("wallet-held").inner_text() == "0"
    history = page.get_by_test_id("wallet-entries").inner_text()
    assert "商城订单 · 沐浴露 500ml" in history  # the kind in the reader's words and what it was about
    assert "-80" in history
    screenshot(page, "rewards-wallet-after-pickup-phone")
