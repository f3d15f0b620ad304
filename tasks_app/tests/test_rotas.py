"""Standing rotas (issue 18): shifts made ahead by the beat job, each funded through escrow as it is
made, each made once however often (and however concurrently) the job runs; pause, end, budget out;
a team's shifts for its members alone; the coverage view. Time is moved with time-machine."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import GridLevel
from accounts.services import agency_membership_add
from accounts.tests.factories import AgencyFactory, GridFactory, UserFactory, box
from tasks_app import services
from tasks_app.models import RotaStatus, Task, TaskStatus, TeamMembership
from tasks_app.services import rotas
from tasks_app.services import teams as team_services
from tasks_app.tasks import rotas_make_tasks_task
from tasks_app.tests.conftest import SITE, assert_escrow_exact, budget_available, fund, race_outcomes

pytestmark = pytest.mark.django_db

CITY = ZoneInfo("Asia/Shanghai")
MONDAY_MORNING = datetime(2026, 12, 7, 8, 0, tzinfo=CITY)  # a Monday on the city's clock
EVENING = {"kind": "evening", "starts": time(18, 0), "ends": time(22, 0)}
NIGHT = {"kind": "night", "starts": time(22, 0), "ends": time(6, 0)}  # ends the next morning


def rota_fields(**overrides) -> dict:
    fields = {
        "title": "West gate patrol",
        "description": "Walk the west gate lanes.",
        "category": "night_patrol",
        "lat": SITE[0],
        "lon": SITE[1],
        "address": "West gate",
        "radius_m": 200,
        "weekdays": [1, 3, 5],  # Monday, Wednesday, Friday
        "headcount": 2,
        "points": 50,
        "starts_on": date(2026, 12, 1),
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def travel():
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def make_rota(agency, staff, travel, django_capture_on_commit_callbacks):
    def make(shifts=(EVENING, NIGHT), team=None, agency=agency, **overrides):
        with django_capture_on_commit_callbacks(execute=True):  # the first shifts are made after commit
            return rotas.rota_create(
                agency=agency, created_by=staff, shifts=list(shifts), team=team, **rota_fields(**overrides)
            )

    return make


def shift_keys(rota) -> list[tuple[str, str]]:
    return sorted((t.shift_date.isoformat(), t.shift_kind) for t in Task.objects.filter(rota=rota))


def test_the_job_makes_each_shift_of_the_week_ahead_once_and_funds_it(agency, make_rota, travel) -> None:
    # given a rota of Monday, Wednesday and Friday evenings and nights, made on a Monday morning
    budget = budget_available(agency)
    rota = make_rota()  # its first shifts are made after commit (in-process here)
    # when the job runs again, twice
    assert rotas_make_tasks_task() == 0
    assert rotas_make_tasks_task() == 0
    # then the seven days ahead hold Mon 7, Wed 9, Fri 11 (Mon 14 is the eighth day), once each
    assert shift_keys(rota) == [
        ("2026-12-07", "evening"), ("2026-12-07", "night"), ("2026-12-09", "evening"),
        ("2026-12-09", "night"), ("2026-12-11", "evening"), ("2026-12-11", "night"),
    ]  # fmt: skip
    night = Task.objects.get(rota=rota, shift_date=date(2026, 12, 7), shift_kind="night")
    assert (night.starts_at, night.ends_at) == (
        datetime(2026, 12, 7, 22, 0, tzinfo=CITY),
        datetime(2026, 12, 8, 6, 0, tzinfo=CITY),
    )
    assert {t.status for t in Task.objects.filter(rota=rota)} == {TaskStatus.OPEN}
    assert budget_available(agency) == budget - 6 * 2 * 50
    assert_escrow_exact(agency)
    # and a week later the job makes the new week's shifts, not the old ones again
    travel.move_to(MONDAY_MORNING + timedelta(days=7))
    assert rotas_make_tasks_task() == 6
    assert Task.objects.filter(rota=rota).count() == 12
    assert budget_available(agency) == budget - 12 * 2 * 50


def test_a_shift_already_over_is_not_made(make_rota, travel) -> None:
    travel.move_to(datetime(2026, 12, 7, 23, 0, tzinfo=CITY))  # Monday 23:00: the evening shift is over
    rota = make_rota()
    assert ("2026-12-07", "evening") not in shift_keys(rota)
    assert ("2026-12-07", "night") in shift_keys(rota)  # under way until 06:00: still made


@pytest.mark.django_db(transaction=True)
def test_two_connections_running_the_job_at_once_make_each_shift_once(agency, staff) -> None:
    # given an active rota whose first run's tasks are unlinked from it, so all six shifts are missing
    with time_machine.travel(MONDAY_MORNING, tick=False):
        rota = rotas.rota_create(agency=agency, created_by=staff, shifts=[EVENING, NIGHT], **rota_fields())
        Task.objects.filter(rota=rota).update(rota=None, shift_date=None, shift_kind="")  # forget the first run
        made: list[int] = []
        # when two threads, each on its own connection, make the rota's shifts at the same moment
        outcomes = race_outcomes([lambda: made.append(rotas.rota_make_tasks(rota_id=rota.pk))] * 2)
    # then every shift is made once between them, and the escrow holds exactly what they promise
    assert outcomes == ["ok", "ok"]
    assert sum(made) == 6
    assert len(shift_keys(rota)) == 6
    assert_escrow_exact(agency)


def test_a_rota_whose_budget_runs_out_stops_and_says_so(staff, make_rota) -> None:
    # given an agency that can fund two shifts of 2 × 50 points, and a rota of six shifts ahead
    poor = AgencyFactory(name="Small street office")
    fund(poor, 200)
    agency_membership_add(user=staff, agency=poor)
    rota = make_rota(agency=poor)
    # then two shifts are made and funded, the rota records the shift it could not fund
    rota.refresh_from_db()
    assert shift_keys(rota) == [("2026-12-07", "evening"), ("2026-12-07", "night")]
    assert (rota.funding_stopped_at, rota.funding_note) == (MONDAY_MORNING, "2026-12-09 evening")
    assert budget_available(poor) == 0
    assert_escrow_exact(poor)
    # when the budget is topped up and the job runs again, the rest is made and the note cleared
    fund(poor, 400)
    assert rotas_make_tasks_task() == 4
    rota.refresh_from_db()
    assert (rota.funding_stopped_at, rota.funding_note, len(shift_keys(rota))) == (None, "", 6)


def test_paused_rotas_make_nothing_and_ended_ones_cancel_shifts_not_started(agency, make_rota, travel) -> None:
    # given a rota with its shifts made, one of them claimed
    rota = make_rota()
    citizen = UserFactory()
    wednesday = Task.objects.get(rota=rota, shift_date=date(2026, 12, 9), shift_kind="evening")
    claim = services.claim_create(task=wednesday, user=citizen)
    budget = budget_available(agency)
    # when it is paused and a week passes, the job makes nothing
    rotas.rota_pause(rota=rota)
    travel.move_to(MONDAY_MORNING + timedelta(days=7))
    assert rotas_make_tasks_task() == 0
    assert Task.objects.filter(rota=rota).count() == 6
    # when it is ended on Thursday evening (Friday's shifts and later not started)
    travel.move_to(datetime(2026, 12, 10, 19, 0, tzinfo=CITY))
    rotas.rota_end(rota=rota)
    # then Friday's shifts are cancelled with their escrow back; earlier ones (and their claim) stay
    statuses = {(t.shift_date.isoformat(), t.shift_kind): t.status for t in Task.objects.filter(rota=rota)}
    assert statuses["2026-12-11", "evening"] == statuses["2026-12-11", "night"] == TaskStatus.CANCELLED
    assert statuses["2026-12-09", "evening"] == TaskStatus.OPEN
    claim.refresh_from_db()
    assert claim.status == "claimed"
    assert budget_available(agency) == budget + 2 * 2 * 50
    assert_escrow_exact(agency)
    rota.refresh_from_db()
    assert rota.status == RotaStatus.ENDED
    assert rotas_make_tasks_task() == 0


def test_a_teams_shifts_are_for_its_members_alone(api_as, agency, staff, make_rota) -> None:
    # given a closed team with one member and a rota for it
    team = team_services.team_create(agency=agency, created_by=staff, name="West gate", is_open=False)
    member, outsider = UserFactory(), UserFactory()
    TeamMembership.objects.create(team=team, user=member)
    rota = make_rota(team=team)
    shift = Task.objects.filter(rota=rota).order_by("starts_at").first()
    assert shift.team_id == team.pk
    # then the public nearby search does not list the shift, and outsiders neither see nor claim it
    nearby = api_as(None).get("/tasks", {"lat": SITE[0], "lon": SITE[1]}).json()
    assert nearby["count"] == 0
    for client in (api_as(None), api_as(outsider)):
        assert client.get(f"/tasks/{shift.id}").status_code == 404
    refused = api_as(outsider).post(f"/tasks/{shift.id}/claims")
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    # ... while the member sees it and claims a place
    assert api_as(member).get(f"/tasks/{shift.id}").json()["id"] == shift.id
    assert api_as(member).post(f"/tasks/{shift.id}/claims").status_code == 201
    assert api_as(staff).get(f"/tasks/{shift.id}").status_code == 200
    # ... and finds the team's shifts in their own list, which outsiders' list lacks
    mine = api_as(member).get("/tasks/for-me").json()
    assert (mine["count"], mine["items"][0]["id"]) == (6, shift.id)
    assert api_as(outsider).get("/tasks/for-me").json()["count"] == 0


def test_staff_create_a_rota_through_the_api(
    api_as, agency, staff, other_staff, travel, django_capture_on_commit_callbacks
) -> None:
    body = {
        **{k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in rota_fields().items()},
        "shifts": [{"kind": "day", "starts": "08:00", "ends": "12:00"}],
    }
    with django_capture_on_commit_callbacks(execute=True):
        created = api_as(staff).post("/rotas", body)
    assert created.status_code == 201
    data = created.json()
    assert (data["status"], data["shifts"], data["weekdays"]) == (
        "active",
        [{"kind": "day", "starts": "08:00", "ends": "12:00"}],
        [1, 3, 5],
    )
    assert Task.objects.filter(rota_id=data["id"]).count() == 3
    # a time of day with a zone offset names no hour in the city: 422, nothing made
    zoned = api_as(staff).post(
        "/rotas", {**body, "shifts": [{"kind": "day", "starts": "08:00+08:00", "ends": "12:00"}]}
    )
    assert (zoned.status_code, zoned.json()["code"]) == (422, "invalid")
    bad_days = api_as(staff).post("/rotas", {**body, "weekdays": [1, 1]})
    assert (bad_days.status_code, bad_days.json()["details"]["field"]) == (422, "weekdays")
    assert api_as(other_staff).get(f"/rotas/{data['id']}").status_code == 404
    assert api_as(UserFactory()).post("/rotas", body).json()["code"] == "forbidden"


def test_coverage_shows_places_taken_per_shift_and_day(api_as, agency, staff, other_staff, make_rota) -> None:
    # given a rota in a district's grid, its week with one place of Monday evening taken
    district = GridFactory(code="r-district", level=GridLevel.DISTRICT, boundary=box(26.0, 119.2, 26.2, 119.4))
    other = GridFactory(code="r-other", level=GridLevel.DISTRICT, boundary=box(30.0, 120.0, 30.1, 120.1))
    rota = make_rota(headcount=1)
    monday = Task.objects.get(rota=rota, shift_date=date(2026, 12, 7), shift_kind="evening")
    services.claim_create(task=monday, user=UserFactory())
    # when staff ask for the week of Wednesday 9 December
    coverage = api_as(staff).get("/rotas/coverage", {"week": "2026-12-09"}).json()
    # then the week starts on Monday; each shift is a row of seven days
    assert coverage["week_start"] == "2026-12-07"
    evening = next(row for row in coverage["rows"] if row["shift_kind"] == "evening")
    cells = {cell["date"]: (cell["status"], cell["taken"], cell["headcount"]) for cell in evening["cells"]}
    assert cells["2026-12-07"] == ("open", 1, 1)
    assert cells["2026-12-08"] == ("no_shift", 0, 0)
    assert cells["2026-12-09"] == ("open", 0, 1)
    assert cells["2026-12-13"] == ("no_shift", 0, 0)
    assert coverage["unfilled"] == 5  # six shifts made, one filled
    # ... filtered by grid: the rota's grid (the district) and the grids inside it only
    assert rota.grid_id == district.pk
    by_district = api_as(staff).get("/rotas/coverage", {"week": "2026-12-09", "grid_id": district.pk}).json()
    assert {row["rota_id"] for row in by_district["rows"]} == {rota.pk}
    elsewhere = api_as(staff).get("/rotas/coverage", {"week": "2026-12-09", "grid_id": other.pk}).json()
    assert (elsewhere["rows"], elsewhere["unfilled"]) == ([], 0)
    assert api_as(other_staff).get("/rotas/coverage").json()["rows"] == []
