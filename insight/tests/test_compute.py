"""Rankings per 1,000 residents with k, the change since the last edition, the time-of-day maps
(the night map 21:00–03:00 city time) and the hour × weekday chart."""

import pytest
from django.test import override_settings

from insight import compute
from insight.tests.conftest import EAST, NORTH, SOUTH, city, public_tip

pytestmark = pytest.mark.django_db


def table(snapshot: dict, code: str) -> dict:
    return next(t for t in snapshot["rankings"] if t["code"] == code)


@override_settings(FUBI_SAFETY_INDEX_K=2)
def test_communities_are_ranked_per_1000_residents_and_under_k_not_at_all(town) -> None:
    # North (4,000 residents) 4 fire hazards = 1.0 per 1,000; South (1,000) 2 = 2.0; East has no
    # population; the district's own tips (outside any community) are not in a ranking
    for _ in range(4):
        public_tip(town, at=city(2026, 3, 2), where=NORTH, category="fire_hazard")
    for _ in range(2):
        public_tip(town, at=city(2026, 3, 2), where=SOUTH, category="fire_hazard")
    for _ in range(3):
        public_tip(town, at=city(2026, 3, 2), where=EAST, category="fire_hazard")
    public_tip(town, at=city(2026, 3, 2), where=SOUTH, category="other")  # 1 < k: South not ranked for "other"
    public_tip(town, at=city(2026, 3, 2), where=NORTH, category="other", step="none")  # unchecked: not counted
    snapshot = compute.edition_snapshot(grid=town["district"], year=2026, half=1)
    fire = table(snapshot, "fire_hazard")
    assert [(r["rank"], r["name"], r["reports"], r["per_1000"]) for r in fire["rows"]] == [
        (1, "South 社区", 2, 2.0),
        (2, "North 社区", 4, 1.0),
    ]
    assert fire["unranked"] == 1  # East: no population
    other = table(snapshot, "other")
    assert other["rows"] == []
    assert other["unranked"] == 3
    assert snapshot["totals"]["tips"] == 10


@override_settings(FUBI_SAFETY_INDEX_K=2)
def test_the_change_since_the_last_edition(town) -> None:
    for _ in range(2):
        public_tip(town, at=city(2025, 9, 2), where=NORTH, category="fire_hazard")
    for _ in range(4):
        public_tip(town, at=city(2026, 2, 2), where=NORTH, category="fire_hazard")
    for _ in range(2):
        public_tip(town, at=city(2026, 2, 2), where=SOUTH, category="fire_hazard")
    last = compute.edition_snapshot(grid=town["district"], year=2025, half=2)
    snapshot = compute.edition_snapshot(grid=town["district"], year=2026, half=1, previous=last)
    rows = table(snapshot, "fire_hazard")["rows"]
    assert [(r["name"], r["rank"], r["previous_rank"], r["previous_per_1000"]) for r in rows] == [
        ("South 社区", 1, None, None),  # not ranked last time
        ("North 社区", 2, 1, 0.5),
    ]
    fire = next(c for c in snapshot["categories"] if c["code"] == "fire_hazard")
    assert (fire["count"], fire["previous"]) == (6, 2)


@override_settings(FUBI_SAFETY_INDEX_K=2)
def test_the_night_map_holds_21_to_03_city_time_and_the_week_chart_hides_squares_under_k(town) -> None:
    # Tuesday 3 March 2026: 22:30 and 02:30 (Wednesday) are night; 03:30 is early morning
    for hour, minute, day in ((22, 30, 3), (22, 40, 3), (2, 30, 4), (3, 30, 4), (3, 40, 4), (12, 0, 4)):
        public_tip(town, at=city(2026, 3, day, hour, minute), where=NORTH)
    snapshot = compute.edition_snapshot(grid=town["district"], year=2026, half=1)
    bands = {band["key"]: band for band in snapshot["time_of_day"]["bands"]}
    assert (bands["night"]["from"], bands["night"]["to"]) == (21, 3)
    assert {key: band["reports"] for key, band in bands.items()} == {
        "all": 6, "night": 3, "early": 2, "day": 1, "evening": 0,
    }  # fmt: skip
    assert [cell["count"] for cell in bands["night"]["cells"]] == [3]
    assert bands["day"]["cells"] == []
    assert bands["day"]["hidden_cells"] == 1
    (week,) = [c for c in snapshot["time_of_day"]["weekly"] if c["code"] == ""]
    assert week["counts"][1][22] == 2  # Tuesday 22:00 (city time), not 14:00 UTC
    assert week["counts"][2][3] == 2  # Wednesday 03:00
    assert week["counts"][2][2] is None  # one tip: under k, not shown
    assert week["counts"][2][12] is None
    assert sum(n or 0 for day in week["counts"] for n in day) == 4


@override_settings(FUBI_SAFETY_INDEX_K=2)
def test_words_per_category_and_community_never_hold_a_name_or_a_number(town) -> None:
    texts = [
        "南后街飞线充电，房东陈建国不管，电话13812345678",
        "南后街又有人飞线充电，车牌闽A·12345",
        "东街口冒充客服刷单，联系人李娜",
    ]
    for text in texts:
        public_tip(town, at=city(2026, 4, 1), where=NORTH, description=text)
    public_tip(town, at=city(2026, 4, 1), where=SOUTH, description="东街口冒充客服")
    public_tip(town, at=city(2026, 4, 1), where=SOUTH, description="南后街飞线充电 王芳", step="none")
    words = compute.edition_snapshot(grid=town["district"], year=2026, half=1)["words"]
    assert [(row["term"], row["tips"]) for row in words["all"]] == [
        ("东街口", 2), ("冒充客服", 2), ("南后街", 2), ("飞线充电", 2),
    ]  # fmt: skip
    north = words["by_community"][str(town["north"].pk)]
    assert [row["term"] for row in north["terms"]] == ["南后街", "飞线充电"]
    assert str(town["south"].pk) not in words["by_community"]  # one public tip: nothing reaches k
    text = str(words)
    for secret in ("陈建国", "李娜", "王芳", "138", "12345", "闽A"):
        assert secret not in text
