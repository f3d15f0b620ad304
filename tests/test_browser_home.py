"""The home page at phone size in both languages, and logging in through the browser."""

import pytest

from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_in_chinese_then_login(new_page, make_user) -> None:
    user = make_user(display_name="小张")
    page = new_page(locale="zh-CN")
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "附近的任务" in page.content()
    # home, tasks, report, groups, wallet, me
    assert page.locator("nav.bottomnav a").count() == 6
    assert page.get_by_test_id("nav-groups").get_attribute("href") == "/groups/"
    screenshot(page, "home-zh-phone")
    browser_login(page, user.email, "correct-horse-battery-9")
    page.goto("/")
    assert (
        page.get_by_test_id("greeting").inner_text() == "欢迎来到e福币，小张！可以从附近的任务开始，或随手拍报告问题。"
    )
    screenshot(page, "home-zh-logged-in")


def test_home_page_in_english_then_login(new_page, make_user) -> None:
    user = make_user(display_name="Lin")
    page = new_page(locale="en-US")
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Tasks near me" in page.content()
    screenshot(page, "home-en-phone")
    # a first visit is greeted as one, a later login as a return
    browser_login(page, user.email, "correct-horse-battery-9")
    page.goto("/")
    assert page.get_by_test_id("greeting").inner_text() == (
        "Welcome to Fubi, Lin! Start with a task near you or report a problem."
    )
    page.get_by_test_id("logout").click()
    page.wait_for_load_state("networkidle")
    browser_login(page, user.email, "correct-horse-battery-9")
    page.goto("/")
    assert page.get_by_test_id("greeting").inner_text() == "Welcome back, Lin"


def test_language_switcher_changes_language(new_page) -> None:
    page = new_page(locale="en-US")
    page.goto("/")
    page.get_by_test_id("lang-zh-hans").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "附近的任务" in page.content()
