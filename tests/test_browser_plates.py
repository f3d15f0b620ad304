"""Door plates in bulk in Chromium at desktop size (issue 18): grid staff upload a CSV with a bad
line and see the line-numbered report (nothing imported), upload the corrected file, ask for the
grid's printable PDF and watch its progress bar reach 100 % while the job runs, then download it."""

import re

import pytest
from playwright.sync_api import expect

from accounts.services import grid_membership_add
from accounts.tests.factories import GridFactory, box
from tests.conftest import browser_login, screenshot
from tests.races import Background, background

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}
PLATES = 30  # three pages of the PDF


def plates_csv(*, bad_line: bool) -> bytes:
    lines = ["编码,名称,纬度,经度"]
    for i in range(PLATES):
        lines.append(f"dongjie-{i:02d},东街 {i:02d} 号,{26.07 + i * 0.0002:.4f},119.25")
    if bad_line:
        lines[5] = "Dongjie 04,东街 04 号,26.0708,119.25"  # line 6: not a slug
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def run_outbox_soon(key: str) -> Background:
    """The relay's part: run the queued job in another thread (its own connection), as a worker
    would, while the page polls its progress."""
    from core.outbox import outbox_run_here

    return background(lambda: outbox_run_here(keys=[key]))


def test_staff_import_plates_fix_a_bad_line_and_print_the_grids_pdf(new_page, make_user, password, settings) -> None:
    from tips.models import PlaceCode, PlaceCodeSheet

    # given a community and its grid staff member; jobs wait in the outbox (no in-process run)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    area = box(26.0, 119.2, 26.2, 119.4)
    community = GridFactory(code="p-community", name="东街社区", level="community", boundary=area)
    staff = make_user(display_name="网格员 李")
    grid_membership_add(user=staff, grid=community)
    page = new_page(locale="zh-CN", viewport=DESKTOP)
    browser_login(page, staff.email, password)
    page.goto("/staff/place-codes/")

    # when they upload a CSV with a bad line
    page.get_by_test_id("plate-import-file").set_input_files(
        files=[{"name": "plates.csv", "mimeType": "text/csv", "buffer": plates_csv(bad_line=True)}]
    )
    page.get_by_test_id("plate-import-submit").click()
    # then the page lists line 6, column code, and nothing is imported
    report = page.get_by_test_id("plate-import-report")
    expect(report).to_be_visible()
    expect(report.locator("tbody tr")).to_have_count(1)
    expect(report.locator("tbody tr td").first).to_have_text("6")
    expect(report.locator("tbody tr td").nth(1)).to_have_text("code")
    expect(page.get_by_test_id("plate-import-summary")).to_contain_text("1")
    screenshot(page, "plates-import-report-desktop")
    assert PlaceCode.objects.count() == 0

    # when they upload the corrected file
    page.get_by_test_id("plate-import-file").set_input_files(
        files=[{"name": "plates.csv", "mimeType": "text/csv", "buffer": plates_csv(bad_line=False)}]
    )
    page.get_by_test_id("plate-import-submit").click()
    page.wait_for_url(re.compile(r"/staff/place-codes/$"))
    # then the thirty plates are there
    expect(page.get_by_text("已导入 30 个门牌。")).to_be_visible()
    assert PlaceCode.objects.filter(grid=community).count() == PLATES

    # when they ask for the community's PDF sheet and a worker runs the job
    page.get_by_test_id("plate-sheet-grid").select_option(str(community.id))
    page.get_by_test_id("plate-sheet-submit").click()
    page.wait_for_url(re.compile(r"/staff/place-codes/#sheets$"))
    sheet = PlaceCodeSheet.objects.get()
    item = page.get_by_test_id("plate-sheet")
    expect(item).to_have_attribute("data-status", "queued")
    expect(page.get_by_test_id("plate-sheet-count")).to_have_text(f"0 / {PLATES}")
    worker = run_outbox_soon(f"tips.plate-sheet:{sheet.id}")
    # then the bar reaches 100 % and the download link shows
    expect(item).to_have_attribute("data-status", "done", timeout=60_000)
    worker.join()
    bar = page.get_by_test_id("plate-sheet-bar")
    assert bar.evaluate("bar => [bar.value, bar.max]") == [PLATES, PLATES]
    expect(page.get_by_test_id("plate-sheet-count")).to_have_text(f"{PLATES} / {PLATES}")
    link = page.get_by_test_id("plate-sheet-download")
    expect(link).to_be_visible()
    screenshot(page, "plates-pdf-ready-desktop")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"door-plates-p-community-{sheet.id}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
