"""Issue 19: public figures count only what staff checked, say so, and never name an unchecked
allegation against a place; k-anonymity on every list."""

import json

import pytest
from django.test import Client, override_settings

from engagement import safety_index
from engagement.tests.conftest import IN_WEST, verified_tip
from tips import services as tip_services
from tips.models import TipCategory

pytestmark = pytest.mark.django_db


def spread(n: int) -> list[tuple[float, float]]:
    return [(round(IN_WEST[0] + 0.0003 * i, 6), IN_WEST[1]) for i in range(n)]


@override_settings(FUBI_SAFETY_INDEX_K=3)
def test_unchecked_tips_and_unverified_allegations_are_not_counted_nor_named(world, make_user) -> None:
    tip_services.categories_ensure()
    reporter = make_user()
    # given 64 drug tips in the West community that nobody has checked, and 4 only accepted
    for point in spread(8) * 8:
        verified_tip(world, reporter, category="drugs", at=point, verify=False, public_from="verified")
    for point in spread(4):
        verified_tip(world, reporter, category="drugs", at=point, verify=False, accept=True)
    # and street-light problems: 3 accepted (counted from "accepted"), 5 submitted only
    for point in spread(3):
        verified_tip(world, reporter, category="urban_management", at=point, verify=False, accept=True)
    for point in spread(5):
        verified_tip(world, reporter, category="urban_management", at=point, verify=False)
    # when the public index is computed
    index = safety_index.safety_index(period="half_year")
    # then only the 3 accepted street problems count; no drug figure is published anywhere
    assert index["totals"]["tips"] == 3
    assert [(row["code"], row["count"]) for row in index["by_category"]] == [("urban_management", 3)]
    (west,) = index["by_community"]
    assert (west["name"], west["tips"]) == ("West community", 3)
    assert [c["code"] for c in west["categories"]] == ["urban_management"]
    assert '"drugs"' not in json.dumps(index)
    assert [cell["count"] for cell in index["heat"]] == [3]
    assert index["counted_from"] == {
        "accepted": ["城市管理问题", "消防安全隐患", "其他"],
        "verified": ["涉毒线索", "打架斗殴", "疑似未登记精神障碍患者", "可疑或在逃人员"],
    }


@override_settings(FUBI_SAFETY_INDEX_K=3)
def test_an_allegation_counts_once_verified(world, make_user) -> None:
    reporter = make_user()
    for point in spread(3):
        verified_tip(world, reporter, category="drugs", at=point, public_from="verified")
    index = safety_index.safety_index(period="half_year")
    (west,) = index["by_community"]
    assert [(c["code"], c["count"]) for c in west["categories"]] == [("drugs", 3)]


@override_settings(FUBI_SAFETY_INDEX_K=3)
def test_a_category_with_fewer_than_k_reports_is_not_listed(world, make_user) -> None:
    reporter = make_user()
    for point in spread(3):
        verified_tip(world, reporter, category="fire_hazard", at=point)
    for point in spread(2):
        verified_tip(world, reporter, category="other", at=point)
    index = safety_index.safety_index(period="half_year")
    assert [row["code"] for row in index["by_category"]] == ["fire_hazard"]
    assert [series["code"] for series in index["trends"]["series"]] == ["fire_hazard"]
    assert index["totals"]["tips"] == 5


def test_default_categories_count_allegations_only_once_verified(db) -> None:
    tip_services.categories_ensure()
    rules = dict(TipCategory.objects.values_list("code", "public_from"))
    assert rules == {
        "drugs": "verified",
        "fighting": "verified",
        "mental_health": "verified",
        "suspicious_person": "verified",
        "urban_management": "accepted",
        "fire_hazard": "accepted",
        "other": "accepted",
    }


def test_the_page_says_what_it_counts(db) -> None:
    tip_services.categories_ensure()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    html = client.get("/safety-index/").content.decode()
    assert "Only tips that staff have checked are counted" in html
    assert "Counted once accepted: Urban-management problem · Fire or safety hazard · Other." in html
    assert "Counted only once verified: Drug activity · Fighting" in html
    zh = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/safety-index/").content.decode()
    assert "只统计工作人员已核查的线索" in zh
    assert "核实后才统计：涉毒线索 · 打架斗殴" in zh
