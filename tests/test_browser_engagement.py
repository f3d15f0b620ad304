"""Playwright: the leaderboard and the safety-index dashboard show exactly what the data behind them
says (the selectors' answers), opted-out citizens never appear, hidden cells are not drawn.
Screenshots: test-artifacts/screenshots/engagement-*.png."""

import pytest

from engagement import safety_index, selectors, services
from engagement.tests.conftest import IN_EAST, IN_WEST, earn, paid_task, verified_tip
from engagement.tests.conftest import world as world  # the fixture, shared with the app tests
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}


def test_leaderboard_page_matches_the_data_and_hides_opted_out_citizens(world, make_user, new_page) -> None:
    # given two citizens on the board and a richer one who opted out
    ming, hua, hidden = make_user(display_name="王明"), make_user(display_name="李华"), make_user(display_name="赵隐")
    services.profile_update(user=ming, nickname="明明", leaderboard_opt_in=True)
    services.profile_update(user=hua, nickname="华仔", leaderboard_opt_in=True)
    services.profile_update(user=hidden, nickname="隐身侠", leaderboard_opt_in=False)
    earn(world, ming, 300)
    earn(world, hua, 450)
    earn(world, hidden, 1500)
    paid_task(world, ming, category="night_patrol", points=200)
    expected = selectors.leaderboard(period="all")
    assert [row["display_name"] for row in expected] == ["明明", "华仔"]
    # when anyone opens the all-time leaderboard on a phone
    page = new_page(locale="zh-CN")
    page.goto("/leaderboard/?period=all")
    rows = page.get_by_test_id("leaderboard-row")
    # then the rows are the data's rows, in order
    assert rows.count() == len(expected)
    for index, row in enumerate(expected):
        cells = rows.nth(index).locator("td")
        assert cells.nth(0).inner_text() == str(row["rank"])
        assert cells.nth(1).inner_text() == row["display_name"]
        assert cells.nth(2).inner_text() == str(row["points"])
        assert cells.nth(3).inner_text() == f"Lv {row['level']}"
    content = page.content()
    assert "隐身侠" not in content
    assert "赵隐" not in content
    assert "王明" not in content
    screenshot(page, "engagement-leaderboard-phone")
    # and a citizen sees how they appear, and the week board
    browser_login(page, ming.email, "correct-horse-battery-9")
    page.goto("/leaderboard/?period=week")
    assert "明明" in page.content()
    assert page.get_by_test_id("leaderboard-row").count() == len(selectors.leaderboard(period="week"))


def test_safety_index_page_draws_only_cells_with_k_reports(world, make_user, new_page) -> None:
    reporter, volunteer = make_user(), make_user()
    for n in range(6):  # six tips in one cell: shown
        verified_tip(
            world,
            reporter,
            category="urban_management",
            at=(IN_WEST[0] + 0.0003 * n, IN_WEST[1]),
            verify=False,
            accept=True,
        )
    for n in range(3):  # three in another: hidden (k = 5)
        verified_tip(
            world, reporter, category="other", at=(IN_EAST[0] + 0.0002 * n, IN_EAST[1]), verify=False, accept=True
        )
    paid_task(world, volunteer, category="elder_care", at=IN_WEST)
    index = safety_index.safety_index(period="half_year")
    assert len(index["heat"]) == 1
    assert index["hidden_cells"] == 1
    # when anyone opens the dashboard on a desktop
    page = new_page(locale="en-US", viewport=DESKTOP)
    page.goto("/safety-index/")
    # then totals, cells and tables are the data's
    assert page.get_by_test_id("total-tips").inner_text() == str(index["totals"]["tips"]) == "9"
    assert page.get_by_test_id("total-tasks").inner_text() == str(index["totals"]["tasks"]) == "1"
    cells = page.get_by_test_id("heat-cell")
    assert cells.count() == len(index["heat"])
    drawn = cells.first
    assert drawn.get_attribute("data-count") == str(index["heat"][0]["count"]) == "7"
    assert float(drawn.get_attribute("data-lat")) == index["heat"][0]["lat"]
    assert drawn.is_visible()
    assert "1 cell hidden" in page.get_by_test_id("hidden-cells").inner_text()
    communities = page.get_by_test_id("community-row")
    assert communities.count() == len(index["rankings"]["most_active_communities"]) == 1
    assert "West community" in communities.first.inner_text()
    problems = page.get_by_test_id("problem-row")
    assert problems.count() == len(index["rankings"]["most_reported_problems"])
    assert "6" in problems.first.inner_text()
    screenshot(page, "engagement-safety-index-desktop")
    # and on a phone the same page fits the screen
    phone = new_page(locale="zh-CN")
    phone.goto("/safety-index/")
    assert phone.get_by_test_id("heat-cell").count() == 1
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(phone, "engagement-safety-index-phone")


def test_citizen_sees_level_badge_streak_and_reads_the_inbox(world, make_user, new_page) -> None:
    # given a citizen paid for a night patrol, told through the event the tasks app publishes
    from core.events import publish

    citizen = make_user(display_name="小林", preferred_language="en")
    claim = paid_task(world, citizen, category="night_patrol", points=150)
    publish("claim.paid", user=citizen, obj=claim, points=150)
    summary = selectors.engagement_summary(user=citizen)
    assert summary["badges"] == ["first_patrol"]
    # when they open their profile on a phone
    page = new_page(locale="en-US")
    browser_login(page, citizen.email, "correct-horse-battery-9")
    page.goto("/me/")
    # then level, streak and badge are the data's
    assert page.get_by_test_id("me-level").inner_text().startswith(f"Lv {summary['level']}")
    assert str(summary["streak_days"]) in page.get_by_test_id("me-streak").inner_text()
    assert "🔦" in page.get_by_test_id("me-badges").inner_text()
    screenshot(page, "engagement-me-phone")
    # and the inbox holds the approval and the badge, unread, until marked read
    page.goto("/inbox/")
    items = page.get_by_test_id("notification")
    assert items.count() == 3  # task approved, badge earned, level 2 reached
    assert "Task approved: +150 FZB" in page.content()
    assert page.get_by_test_id("inbox-unread").inner_text() == "3"  # the top bar's count
    screenshot(page, "engagement-inbox-phone")
    page.get_by_test_id("mark-all-read").click()
    page.wait_for_load_state("networkidle")
    assert "0 unread" in page.get_by_test_id("unread-count").inner_text()
    assert page.get_by_test_id("inbox-unread").count() == 0
    assert page.get_by_test_id("inbox-link").is_visible()
    page.goto("/me/badges/")
    assert "earned" in page.get_by_test_id("badge-first_patrol").get_attribute("class")
    assert "locked" in page.get_by_test_id("badge-ten_tasks").get_attribute("class")
