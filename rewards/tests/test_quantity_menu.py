"""The item page's quantity menu offers no more than the per-person limit leaves this citizen, and
prices and stock carry thousands separators (issue 20 item 9)."""

import re

import pytest
from django.test import Client

from accounts.models import User
from rewards import services

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user, backend="accounts.backends.ModelBackend")
    return client


def offered(html: str) -> list[int]:
    menu = re.search(r'<select id="quantity"[^>]*>(.*?)</select>', html, re.S)
    return [int(value) for value in re.findall(r'<option value="(\d+)">', menu.group(1))] if menu else []


def test_the_menu_stops_at_the_per_person_limit(citizen, make_reward) -> None:
    reward = make_reward(price=80, stock=100, limit=3)
    html = logged_in(citizen).get(f"/rewards/{reward.pk}/").content.decode()
    assert offered(html) == [1, 2, 3]
    assert "You may order 3 more." in html


def test_the_menu_offers_what_is_left_of_the_limit_for_this_citizen(citizen, make_reward, pickup_point) -> None:
    # given a citizen who already holds 2 of a reward limited to 3 per person
    reward = make_reward(price=80, stock=100, limit=3)
    services.reward_redeem(reward_id=reward.pk, user=citizen, quantity=2, pickup_point_id=pickup_point.pk)
    # when they open the item page, then only 1 is offered
    html = logged_in(citizen).get(f"/rewards/{reward.pk}/").content.decode()
    assert offered(html) == [1]
    assert "You may order 1 more." in html


def test_at_the_limit_no_order_form_is_offered(citizen, make_reward, pickup_point) -> None:
    reward = make_reward(price=80, stock=100, limit=2)
    services.reward_redeem(reward_id=reward.pk, user=citizen, quantity=2, pickup_point_id=pickup_point.pk)
    html = logged_in(citizen).get(f"/rewards/{reward.pk}/").content.decode()
    assert 'data-testid="redeem-form"' not in html
    assert "You already have the most one person may order (2)." in html


def test_without_a_limit_the_menu_stops_at_five_or_the_stock(citizen, make_reward) -> None:
    assert offered(logged_in(citizen).get(f"/rewards/{make_reward(stock=100).pk}/").content.decode()) == [1, 2, 3, 4, 5]
    assert offered(logged_in(citizen).get(f"/rewards/{make_reward(stock=2).pk}/").content.decode()) == [1, 2]


def test_prices_and_stock_have_thousands_separators(citizen, make_reward) -> None:
    reward = make_reward(price=12_000, stock=1_500)
    html = logged_in(citizen).get(f"/rewards/{reward.pk}/").content.decode()
    assert '<p class="big-number">12,000 FZB</p>' in html
    assert '<dd data-testid="stock-left">1,500</dd>' in html
    assert "You have 1,000 FZB to spend." in html
    assert "12,000 FZB" in logged_in(citizen).get("/rewards/").content.decode()
