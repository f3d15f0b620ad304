"""The programme report on a fixed dataset: exact figures per street and period, the CSV, and who
may see which streets."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


STREET1 = {
    "tasks_issued": 2,
    "places_taken": 2,
    "participations_completed": 1,
    "tips_received": 1,
    "tips_verified": 1,
    "fzb_task_payout": 100,
    "fzb_tip_reward": 30,
    "fzb_quiz_payout": 20,
    "rewards_redeemed": 2,
}
STREET2 = {
    "tasks_issued": 1,
    "places_taken": 1,
    "participations_completed": 1,
    "tips_received": 1,
    "tips_verified": 0,
    "fzb_task_payout": 0,
    "fzb_tip_reward": 0,
    "fzb_quiz_payout": 0,
    "rewards_redeemed": 0,
}


def test_district_staff_see_every_street_with_exact_figures(dataset):
    response = _as(dataset["desk"]).get("/staff/report/")

    assert response.status_code == 200
    rows = {row.grid.name: row.figures for row in response.context["rows"]}
    assert rows == {"鼓西街道": STREET1, "东街街道": STREET2}
    assert response.context["totals"]["fzb_task_payout"] == 100
    assert response.context["totals"]["places_taken"] == 3
    assert [row.fzb_paid for row in response.context["rows"]] == [0, 150]  # 东街 sorts before 鼓西


def test_the_csv_has_the_same_figures(dataset):
    response = _as(dataset["desk"]).get("/staff/report/", {"format": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    by_area = {row["area"]: row for row in rows}
    assert set(by_area) == {"鼓西街道", "东街街道"}
    assert {k: int(by_area["鼓西街道"][k]) for k in STREET1} == STREET1
    assert int(by_area["鼓西街道"]["fzb_paid"]) == 150
    assert {k: int(by_area["东街街道"][k]) for k in STREET2} == STREET2


def test_a_period_without_activity_counts_nothing_but_the_old_task(dataset):
    last_year = (timezone.localdate() - timedelta(days=400)).isoformat()
    response = _as(dataset["desk"]).get("/staff/report/", {"from": last_year, "to": last_year})

    rows = {row.grid.name: row.figures for row in response.context["rows"]}
    assert rows["鼓西街道"] == dict.fromkeys(STREET1, 0)
    assert rows["东街街道"] == {**dict.fromkeys(STREET2, 0), "tasks_issued": 1}


def test_who_sees_which_streets(dataset):
    def areas(user, **params) -> tuple[int, list[str] | None]:
        response = _as(user).get("/staff/report/", params)
        rows = response.context.get("rows") if response.status_code == 200 else None
        return response.status_code, None if rows is None else [row.grid.name for row in rows]

    # the district's staff: both streets; a street's staff: theirs; the police: their station's street
    assert areas(dataset["desk"]) == (200, ["东街街道", "鼓西街道"])
    assert areas(dataset["street2_staff"]) == (200, ["东街街道"])
    assert areas(dataset["station_staff"]) == (200, ["鼓西街道"])
    # ... a street that is not theirs is not found; one of theirs narrows the report
    assert areas(dataset["street2_staff"], area=dataset["street1"].pk) == (404, None)
    assert areas(dataset["desk"], area=dataset["street1"].pk) == (200, ["鼓西街道"])
    # ... staff of an agency without an area, and citizens, may not
    assert areas(dataset["other_police"]) == (403, None)


def test_a_citizen_may_not_and_an_anonymous_visitor_logs_in(world, make_user):
    assert _as(make_user()).get("/staff/report/").status_code == 403
    response = Client().get("/staff/report/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/staff/report/")
