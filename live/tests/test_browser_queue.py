"""The live case queue on a real ASGI server: a new case appears in /staff/cases/ at once, and the
SLA clocks count down on the page, without a reload."""

import pytest
from playwright.sync_api import expect

from tasks_app.tests.conftest import SITE
from tests.conftest import browser_login, screenshot
from tips import services as tip_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}


@pytest.mark.parametrize("live_log", ["memory"], indirect=True)
def test_a_new_case_appears_at_once_and_the_clocks_count_down(browser, asgi_server, city, password):
    users = city["users"]
    first = tip_services.tip_submit(
        reporter=users["citizen"], category_code="other", description="路灯不亮", lat=SITE[0], lon=SITE[1]
    )
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", base_url=asgi_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    browser_login(page, users["gulou_staff"].email, password)
    page.goto("/staff/cases/")
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    expect(page.get_by_test_id("queue-live")).to_have_attribute("data-state", "live")
    clock = page.locator(f"tr[data-case-id='{first.id}'] [data-testid=sla-clock]")
    expect(clock).to_contain_text("剩余")
    shown = clock.inner_text()
    # the clock counts down while we look
    expect(clock).not_to_have_text(shown)

    # when a citizen reports a new tip (an SOS goes to the top)
    sos = tip_services.tip_submit(
        reporter=users["volunteer"], category_code="other", description="", lat=SITE[0], lon=SITE[1], kind="sos"
    )
    # then its row appears at once, first, highlighted as new, with its own clock
    row = page.locator(f"tr[data-case-id='{sos.id}']")
    expect(row).to_have_class("case-sos case-new")
    expect(page.locator("[data-testid=case-board] tbody tr").first).to_have_attribute("data-case-id", str(sos.id))
    expect(row.get_by_test_id("sla-clock")).to_contain_text("剩余")
    expect(page.get_by_test_id("case-count")).to_contain_text("2")
    screenshot(page, "live-case-queue-1440")
    assert navigations == []
    context.close()
