"""The staff's case board shows how many cases match and pages through them (it used to stop
silently at 200), keeping the filters (issue 20 item 9)."""

import pytest
from django.test import Client

from tips import services
from tips.tests.conftest import IN_COMMUNITY

pytestmark = pytest.mark.django_db


def board(user, query: str = "") -> str:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    response = client.get(f"/staff/cases/{query}")
    assert response.status_code == 200
    return response.content.decode()


def file_tips(world, count: int) -> None:
    for n in range(count):
        services.tip_submit(
            reporter=world["citizen"],
            category_code="urban_management",
            description=f"Broken street light {n}",
            lat=IN_COMMUNITY[0],
            lon=IN_COMMUNITY[1],
        )


def test_the_board_counts_every_case_and_pages_fifty_at_a_time(world) -> None:
    # given 55 open cases in the community grid
    file_tips(world, 55)
    # when its staff open the board, then it says 55, shows 50 and offers the next page
    first = board(world["community_staff"])
    assert '<p class="muted" data-testid="case-count">Cases: 55 · showing 1–50</p>' in first
    assert first.count("data-case-id=") == 50
    assert '<span data-testid="case-pager-position">Page 1 of 2</span>' in first
    assert 'href="?page=2" data-testid="case-pager-next"' in first
    # and the second page holds the last 5
    second = board(world["community_staff"], "?page=2")
    assert second.count("data-case-id=") == 5
    assert 'href="?page=1" data-testid="case-pager-previous"' in second


def test_the_pager_keeps_the_filters(world) -> None:
    file_tips(world, 51)
    html = board(world["community_staff"], "?category=urban_management&status=submitted")
    assert 'href="?status=submitted&amp;category=urban_management&amp;page=2" data-testid="case-pager-next"' in html


def test_one_page_has_a_count_and_no_pager(world) -> None:
    file_tips(world, 3)
    html = board(world["community_staff"])
    assert '<p class="muted" data-testid="case-count">Cases: 3</p>' in html
    assert 'data-testid="case-pager"' not in html
