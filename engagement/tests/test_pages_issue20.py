"""Issue 20 item 9 on engagement's and the profile's pages: the heat map's legend, /me/'s links to my
tasks, tips and orders, and thousands separators."""

import re

import pytest
from django.test import Client, override_settings

from engagement.tests.conftest import IN_EAST, IN_WEST, earn, verified_tip

pytestmark = pytest.mark.django_db


def english(user=None) -> Client:
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


@override_settings(FUBI_SAFETY_INDEX_K=2)
def test_the_heat_map_has_a_legend_from_the_fewest_to_the_most_reports(world, make_user) -> None:
    # given a cell with 3 reports and another with 2
    reporter = make_user()
    for n in range(3):
        verified_tip(
            world,
            reporter,
            category="urban_management",
            at=(IN_WEST[0] + 0.0002 * n, IN_WEST[1]),
            verify=False,
            accept=True,
        )
    for n in range(2):
        verified_tip(
            world,
            reporter,
            category="urban_management",
            at=(IN_EAST[0] + 0.0001 * n, IN_EAST[1]),
            verify=False,
            accept=True,
        )
    # when anyone opens the safety index
    html = english().get("/safety-index/").content.decode()
    # then the legend says what the shades mean, 2 to 3 reports per cell, with five swatches
    assert '<span data-testid="heat-legend-low">2</span>' in html
    assert '<span data-testid="heat-legend-high">3</span>' in html
    assert len(re.findall(r'class="eng-legend-swatch"', html)) == 5
    assert "Reports per cell (about 500 m × 500 m)" in html


def test_me_links_to_my_tasks_tips_and_orders(world, make_user) -> None:
    html = english(make_user()).get("/me/").content.decode()
    assert '<a href="/tasks/mine/" data-testid="me-my-tasks">My tasks</a>' in html
    assert '<a href="/tips/" data-testid="me-my-tips">My tips</a>' in html
    assert '<a href="/rewards/orders/" data-testid="me-my-orders">My orders</a>' in html


def test_me_shows_points_earned_with_thousands_separators(world, make_user) -> None:
    citizen = make_user()
    earn(world, citizen, 1_500)
    html = english(citizen).get("/me/").content.decode()
    assert "(1,500 / 2,000)" in html
