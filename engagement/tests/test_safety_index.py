"""The public safety index: k-anonymous cells, no point finer than a cell, communities, trends."""

import json
from datetime import timedelta

import pytest
from django.test import override_settings

from engagement import safety_index
from engagement.tests.conftest import IN_EAST, IN_WEST, frozen, paid_task, shanghai, verified_tip
from tips import services as tip_services

pytestmark = pytest.mark.django_db


def near(point: tuple[float, float], d_lat: float = 0.0, d_lon: float = 0.0) -> tuple[float, float]:
    return (round(point[0] + d_lat, 6), round(point[1] + d_lon, 6))


def cell_count(index: dict, point: tuple[float, float]) -> int | None:
    for cell in index["heat"]:
        if cell["south"] <= point[0] < cell["north"] and cell["west"] <= point[1] < cell["east"]:
            return cell["count"]
    return None


@override_settings(FUBI_SAFETY_INDEX_K=5)
def test_cells_with_fewer_than_k_reports_are_hidden_and_no_point_is_finer_than_a_cell(world, make_user, api_as) -> None:
    reporter = make_user()
    busy = [near(IN_WEST, 0.0003 * i, 0.0002 * i) for i in range(5)]  # 5 in one cell
    quiet = [near(IN_EAST, 0.0001 * i) for i in range(4)]  # 4 in another
    for point in busy + quiet:
        verified_tip(world, reporter, category="urban_management", at=point, verify=False, accept=True)
    response = api_as(None).get("/stats/safety-index")
    assert response.status_code == 200
    index = response.json()
    assert index["k"] == 5
    assert cell_count(index, busy[0]) == 5
    assert cell_count(index, quiet[0]) is None
    assert (index["hidden_cells"], index["hidden_reports"]) == (1, 4)
    # every number published as a coordinate sits on the 0.0025° lattice (cell bounds and centres);
    # no report's own position (none of them is on the lattice) appears anywhere
    for cell in index["heat"]:
        for key in ("lat", "lon", "south", "west", "north", "east"):
            assert abs(cell[key] / 0.0025 - round(cell[key] / 0.0025)) < 1e-6, (key, cell[key])
    text = json.dumps(index)
    for lat, lon in busy + quiet:
        assert f"{lat}," not in text
        assert f"{lon}," not in text
        assert f"{lat}}}" not in text
    assert reporter.email not in text
    assert reporter.display_name not in text
    # the community of the quiet cell has 4 reports: its row is hidden too
    names = [row["name"] for row in index["by_community"]]
    assert names == ["West community"]
    assert index["hidden_communities"] == 1


@override_settings(FUBI_SAFETY_INDEX_K=2)
def test_counts_per_category_and_community_include_completed_tasks_not_rejected_tips(world, make_user) -> None:
    tip_services.categories_ensure()  # fighting counts publicly once verified
    reporter, volunteer = make_user(), make_user()
    verified_tip(world, reporter, category="fighting", at=IN_WEST)
    verified_tip(world, reporter, category="fighting", at=IN_WEST)
    verified_tip(world, reporter, category="fighting", at=IN_WEST, verify=False, accept=True)  # fighting: verified only
    rejected = verified_tip(world, reporter, category="drugs", at=IN_WEST, verify=False, accept=True)
    tip_services.case_transition(tip=rejected, actor=world["grid_staff"], action="reject")
    paid_task(world, volunteer, category="elder_care", at=IN_WEST)
    paid_task(world, volunteer, category="elder_care", at=IN_EAST)
    index = safety_index.safety_index(period="half_year")
    counts = {(row["source"], row["code"]): row["count"] for row in index["by_category"]}
    assert counts == {("tip", "fighting"): 2, ("task", "elder_care"): 2}
    assert index["totals"] == {"tips": 2, "tasks": 2, "reports": 4}  # not the accepted fight
    west = next(row for row in index["by_community"] if row["name"] == "West community")
    assert (west["tips"], west["tasks"], west["total"]) == (2, 1, 3)
    assert [(c["code"], c["count"]) for c in west["categories"]] == [("fighting", 2)]  # 1 elder-care task < k
    assert west["hidden_in_categories"] == 1
    assert index["rankings"]["most_active_communities"][0]["name"] == "West community"
    assert index["rankings"]["most_reported_problems"][0]["code"] == "fighting"


@override_settings(FUBI_SAFETY_INDEX_K=1)
def test_period_filter_and_monthly_trends(world, make_user) -> None:
    reporter = make_user()
    now = shanghai(2026, 11, 25, 12)
    for month in (3, 9, 11):  # March is outside the half year (June–November)
        with frozen(shanghai(2026, month, 10)):
            verified_tip(world, reporter, category="fire_hazard", verify=False, accept=True)
    half = safety_index.safety_index(period="half_year", now=now)
    assert half["period"]["since"] == shanghai(2026, 6, 1, 0).isoformat()
    assert half["trends"]["months"] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    fire = next(s for s in half["trends"]["series"] if s["code"] == "fire_hazard")
    assert fire["counts"] == [0, 0, 0, 1, 0, 1]
    assert half["totals"]["tips"] == 2
    assert safety_index.safety_index(period="year", now=now)["totals"]["tips"] == 3
    assert safety_index.safety_index(period="all", now=now)["trends"]["months"][0] == "2026-03"


@override_settings(FUBI_SAFETY_INDEX_K=1)
def test_a_report_at_the_month_boundary_counts_in_the_shanghai_month(world, make_user) -> None:
    reporter = make_user()
    with frozen(shanghai(2026, 11, 1, 0, 30)):  # still 31 October in UTC
        verified_tip(world, reporter, category="other", verify=False, accept=True)
    index = safety_index.safety_index(period="quarter", now=shanghai(2026, 11, 2) + timedelta(hours=1))
    other = next(s for s in index["trends"]["series"] if s["code"] == "other")
    assert dict(zip(index["trends"]["months"], other["counts"], strict=True))["2026-11"] == 1


def test_unknown_period_is_422(api_as, db) -> None:
    response = api_as(None).get("/stats/safety-index", {"period": "decade"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
