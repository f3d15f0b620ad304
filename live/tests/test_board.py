"""GET /api/v1/live/board: what the wall map opens with, for grid and agency staff only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import agency_membership_add, grid_membership_add
from accounts.tests.factories import AgencyFactory, GridFactory, UserFactory, box
from conftest import ApiClient, login_token
from ledger import services as ledger_services
from live.selectors import live_board
from tasks_app import services as task_services
from tasks_app.models import CheckIn, VolunteerStatus
from tasks_app.tests.conftest import SITE, task_fields
from tips import services as tip_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    tip_services.categories_ensure()
    grid = GridFactory(code="board-grid", level="district", boundary=box(26.0, 119.2, 26.2, 119.4))
    other = GridFactory(code="board-other", level="district", boundary=box(25.0, 119.2, 25.2, 119.4))
    staff, elsewhere, officer = UserFactory(), UserFactory(), UserFactory()
    grid_membership_add(user=staff, grid=grid)
    grid_membership_add(user=elsewhere, grid=other)
    agency = AgencyFactory()
    agency_membership_add(user=officer, agency=agency)
    ledger_services.agency_fund(agency=agency, amount=10_000, idempotency_key="board-fund")
    task = task_services.task_publish(
        task=task_services.task_create(agency=agency, created_by=officer, **task_fields()), user=officer
    )
    volunteer, citizen = UserFactory(), UserFactory()
    claim = task_services.claim_create(task=task, user=volunteer)
    for lon in (SITE[1], SITE[1] + 0.001):
        task_services.checkin_record(
            claim=claim,
            kind="in" if lon == SITE[1] else "ping",
            lat=SITE[0],
            lon=lon,
            accuracy_m=5,
            recorded_at=timezone.now(),
        )
    CheckIn.objects.filter(claim=claim, kind="in").update(
        received_at=timezone.now() - timedelta(hours=3)
    )  # past the 2 h
    sos = tip_services.tip_submit(
        reporter=citizen, category_code="other", description="", lat=SITE[0], lon=SITE[1], kind="sos"
    )
    late = tip_services.tip_submit(
        reporter=citizen, category_code="other", description="井盖丢失", lat=SITE[0], lon=SITE[1]
    )
    late.accept_due_at = timezone.now() - timedelta(minutes=1)
    late.save(update_fields=["accept_due_at"])
    VolunteerStatus.objects.create(
        user=citizen, on_call=True, lat=26.123456, lon=119.345678, position_at=timezone.now()
    )
    return {
        "staff": staff,
        "elsewhere": elsewhere,
        "officer": officer,
        "citizen": citizen,
        "claim": claim,
        "sos": sos,
        "late": late,
    }


def test_grid_staff_see_duty_tracks_sos_cases_on_call_and_counters(scene):
    board = live_board(user=scene["staff"], now=timezone.now())
    [duty] = board["on_duty"]
    assert duty["id"] == scene["claim"].id
    assert [point[1] for point in duty["track"]] == [SITE[1] + 0.001]  # the fix older than 2 h is left out
    assert [case["id"] for case in board["sos"]] == [scene["sos"].id]
    assert [(case["id"], case["overdue"]) for case in board["cases"]] == [(scene["late"].id, True)]
    assert board["on_call"] == [{"lat": 26.123, "lon": 119.346}]  # to ~100 m
    assert board["counters"] == {"on_duty": 1, "sos_open": 1, "cases_overdue": 1}


def test_agency_staff_see_their_volunteers_and_no_other_grids_cases(scene):
    board = live_board(user=scene["officer"], now=timezone.now())
    assert [duty["id"] for duty in board["on_duty"]] == [scene["claim"].id]
    assert board["sos"] == []
    assert board["on_call"] == []
    elsewhere = live_board(user=scene["elsewhere"], now=timezone.now())
    assert (elsewhere["on_duty"], elsewhere["sos"], elsewhere["cases"]) == ([], [], [])


def test_the_board_endpoint_refuses_a_citizen_and_answers_staff(scene, client):
    citizen = ApiClient(login_token(client, scene["citizen"].email))
    refused = citizen.get("/live/board")
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    staff = ApiClient(login_token(client, scene["staff"].email))
    answer = staff.get("/live/board")
    assert answer.status_code == 200
    assert answer.json()["counters"]["sos_open"] == 1
