"""Playwright: a published edition of the safety index draws its word chart and word cloud from the
frozen snapshot (per scope), its maps by hour band and the previous edition beside it, on a desktop
and on a phone. Screenshots: test-artifacts/screenshots/insight-*.png."""

import pytest
from django.test import override_settings

from insight import services
from insight.models import Edition
from insight.tests.conftest import NORTH, SOUTH, city, public_tip
from insight.tests.conftest import town as town  # the fixture, shared with the app tests
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1440, "height": 900}


def published(town: dict, year: int, half: int) -> Edition:
    draft = services.edition_create(actor=town["staff"], grid_id=town["district"].pk, year=year, half=half)
    services.edition_publish(actor=town["staff"], edition_id=draft.pk)  # computed after commit (eager outbox)
    return Edition.objects.get(pk=draft.pk)


@override_settings(FUBI_SAFETY_INDEX_K=2)
def test_an_edition_page_draws_its_words_maps_and_the_previous_edition(town, new_page) -> None:
    for _ in range(2):
        public_tip(town, at=city(2025, 11, 3, 22), where=SOUTH, category="fire_hazard", description="东街口楼道堆物")
    for description in ("南后街飞线充电，电话13812345678", "南后街飞线充电 车主张伟", "东街口冒充客服刷单"):
        public_tip(town, at=city(2026, 2, 10, 23), where=NORTH, category="fire_hazard", description=description)
    for _ in range(2):
        public_tip(town, at=city(2026, 3, 4, 10), where=SOUTH, category="other", description="东街口冒充客服")
    first, second = published(town, 2025, 2), published(town, 2026, 1)
    assert (first.status, second.status) == ("published", "published")
    words = second.snapshot["words"]
    # when anyone opens the edition on a desktop
    page = new_page(locale="en-US", viewport=DESKTOP)
    page.goto(f"/safety-index/editions/{second.pk}/")
    # then the word chart and the cloud are the snapshot's terms, most frequent first
    bars = page.get_by_test_id("word-bar")
    assert [bars.nth(i).get_attribute("data-term") for i in range(bars.count())] == [r["term"] for r in words["all"]]
    assert page.get_by_test_id("cloud-word").count() == len(words["all"])
    content = page.content()
    for secret in ("13812345678", "张伟"):
        assert secret not in content
    # ... per category, when picked
    page.get_by_test_id("word-scope").select_option("c:other")
    assert [bars.nth(i).get_attribute("data-term") for i in range(bars.count())] == [
        r["term"] for r in words["by_category"]["other"]
    ]
    assert page.get_by_test_id("band-map").count() == 5
    night = page.locator('[data-testid="band-map"][data-band="night"] rect.ins-cell')
    assert [night.nth(i).get_attribute("data-count") for i in range(night.count())] == ["3"]
    previous = page.get_by_test_id("previous-edition")
    assert previous.get_by_test_id("previous-total").inner_text() == "2"
    assert page.get_by_test_id("this-total").inner_text() == "5"
    screenshot(page, "insight-edition-desktop")
    # and on a phone the page fits the screen
    phone = new_page(locale="zh-CN")
    phone.goto(f"/safety-index/editions/{second.pk}/")
    assert phone.get_by_test_id("word-bar").count() == len(words["all"])
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "insight-edition-phone")
