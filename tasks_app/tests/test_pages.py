"""The HTML pages answer, with the right people, and the agency's forms call the services."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tasks_app import services
from tasks_app.models import ClaimStatus, Task, TaskStatus
from tasks_app.tests.conftest import SITE, assert_escrow_exact, wallet_balance

pytestmark = pytest.mark.django_db


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_citizen_pages_render(make_task, citizen) -> None:
    task = make_task(title="Guxi evening patrol")
    anonymous = client_for()
    assert "Guxi evening patrol" in anonymous.get("/tasks/").content.decode()
    assert anonymous.get(f"/tasks/{task.id}/").status_code == 200
    assert anonymous.get(f"/tasks/{task.id}/onsite/").status_code == 302  # to the login page
    assert anonymous.get("/tasks/999999/").status_code == 404
    me = client_for(citizen)
    assert me.get(f"/tasks/{task.id}/onsite/").status_code == 302  # no claim yet: back to the task
    services.claim_create(task=task, user=citizen)
    onsite = me.get(f"/tasks/{task.id}/onsite/")
    assert onsite.status_code == 200
    assert 'data-status="claimed"' in onsite.content.decode()
    assert "Guxi evening patrol" in me.get("/tasks/mine/").content.decode()


def test_staff_pages_are_for_agency_staff_only(make_task, citizen, other_staff) -> None:
    task = make_task()
    assert client_for(citizen).get("/staff/tasks/").status_code == 403
    assert client_for(other_staff).get(f"/staff/tasks/{task.id}/").status_code == 404
    assert client_for(other_staff).post(f"/staff/tasks/{task.id}/cancel/").status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_agency_creates_publishes_and_approves_from_its_pages(agency, staff, citizen) -> None:
    page = client_for(staff)
    start = timezone.localtime() - timedelta(minutes=5)
    response = page.post(
        "/staff/tasks/",
        {
            "agency": agency.id,
            "title": "Traffic guidance at Dongjie crossing",
            "category": "traffic_guidance",
            "address": "Dongjie crossing",
            "lat": SITE[0],
            "lon": SITE[1],
            "radius_m": 150,
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "headcount": 2,
            "points": 90,
            "min_minutes": 0,
            "publish": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    task = Task.objects.get(title="Traffic guidance at Dongjie crossing")
    assert task.status == TaskStatus.OPEN
    assert task.escrow_points == 180
    claim = services.claim_create(task=task, user=citizen)
    now = timezone.now()
    services.checkin_record(claim=claim, kind="in", lat=SITE[0], lon=SITE[1], accuracy_m=5, recorded_at=now)
    services.checkin_record(claim=claim, kind="out", lat=SITE[0], lon=SITE[1], accuracy_m=5, recorded_at=now)
    detail = page.get(f"/staff/tasks/{task.id}/").content.decode()
    assert "fixes-data" in detail
    assert f"/staff/claims/{claim.id}/approve/" in detail
    page.post(f"/staff/claims/{claim.id}/approve/")
    page.post(f"/staff/claims/{claim.id}/approve/")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
    assert wallet_balance(citizen) == 90
    assert_escrow_exact(agency)


def test_on_call_page_and_staff_dispatch_form(make_task, citizen, staff) -> None:
    services.volunteer_on_call_set(user=citizen, on_call=True, lat=SITE[0] + 0.002, lon=SITE[1])
    task = make_task(title="Lost child near Wuyi Square")
    assert client_for(citizen).get("/tasks/on-call/").status_code == 200
    response = client_for(staff).post(f"/staff/tasks/{task.id}/dispatch/")
    assert response.status_code == 302
    page = client_for(citizen).get("/tasks/on-call/").content.decode()
    assert "Lost child near Wuyi Square" in page
    assert 'data-answer="accept"' in page
    assert "offers" in client_for(staff).get(f"/staff/tasks/{task.id}/").content.decode()


def test_staff_page_shows_flags_of_a_claims_fixes(make_task, citizen, staff) -> None:
    task = make_task()
    claim = services.claim_create(task=task, user=citizen)
    services.checkin_record(
        claim=claim, kind="in", lat=SITE[0], lon=SITE[1], accuracy_m=400, recorded_at=timezone.now()
    )
    page = client_for(staff).get(f"/staff/tasks/{task.id}/").content.decode()
    assert 'data-flag="poor_accuracy"' in page
