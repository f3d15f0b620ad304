"""The programme report at desktop size: the district's staff read each street's figures, the
charts drawn in inline SVG, and download the CSV."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from reports.tests.conftest import dataset, world  # noqa: F401 - the report's fixed dataset
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}


def test_district_staff_read_the_programme_report_and_download_the_csv(new_page, dataset) -> None:  # noqa: F811
    # given the district's grid-centre staff
    page = new_page(locale="zh-CN", viewport=DESKTOP)
    browser_login(page, dataset["desk"].email, PASSWORD)

    # when they open the report
    page.goto("/staff/report/")

    # then a row per street with this month's figures, and three charts
    street1 = page.get_by_test_id(f"report-row-{dataset['street1'].pk}")
    expect(street1.locator("td").first).to_have_text("鼓西街道")
    expect(street1.locator("[data-metric=tasks_issued]")).to_have_text("2")
    expect(street1.locator("[data-metric=fzb_paid]")).to_have_text("150")
    expect(page.get_by_test_id("report-chart")).to_have_count(3)
    expect(page.get_by_test_id("report-chart").first.locator("svg")).to_have_count(2)
    screenshot(page, "report-desktop")

    # when they download the CSV
    with page.expect_download() as download:
        page.get_by_test_id("report-csv").click()
    text = download.value.path().read_text(encoding="utf-8-sig")

    # then it holds both streets
    assert text.splitlines()[0].startswith("area_id,area,level,from,to,tasks_issued")
    assert len(text.splitlines()) == 3
