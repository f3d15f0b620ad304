"""What the citizen's pages say comes next (tasks_app.claim_outlook): paid now or after approval and
why, and cancel only until the start."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tasks_app import services
from tasks_app.claim_outlook import claim_outlook
from tasks_app.tests.conftest import SITE

pytestmark = pytest.mark.django_db


def page(user, path: str) -> str:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client.get(path).content.decode()


def check_in_and_out(claim, accuracy_m: float = 10) -> None:
    now = timezone.now()
    for kind, at in (("in", now - timedelta(minutes=5)), ("out", now)):
        services.checkin_record(
            claim=claim, kind=kind, lat=SITE[0], lon=SITE[1], accuracy_m=accuracy_m, recorded_at=at, sent_at=at, now=at
        )


def test_checked_out_and_paid_at_once_says_paid_with_the_wallet(make_task, citizen, settings) -> None:
    settings.FUBI_NEW_ACCOUNT_MANUAL_CLAIMS = 0
    task = make_task(auto_approve=True, points=80)
    check_in_and_out(services.claim_create(task=task, user=citizen))
    html = page(citizen, f"/tasks/{task.id}/onsite/")
    assert 'data-reason="paid"' in html
    assert "Paid: 80 FZB are in your wallet." in html
    assert 'href="/wallet/"' in html


def test_flagged_fix_says_the_points_wait_and_why(make_task, citizen, settings) -> None:
    settings.FUBI_NEW_ACCOUNT_MANUAL_CLAIMS = 0
    task = make_task(auto_approve=True, points=80)
    check_in_and_out(services.claim_create(task=task, user=citizen), accuracy_m=400)
    html = page(citizen, f"/tasks/{task.id}/onsite/")
    assert 'data-reason="flagged"' in html
    assert "Some of your position fixes need a look from the agency." in html


def test_no_cancel_once_the_task_has_started(make_task, citizen) -> None:
    claim = services.claim_create(task=make_task(starts_at=timezone.now() - timedelta(minutes=1)), user=citizen)
    outlook = claim_outlook(claim=claim)
    assert (outlook.phase, outlook.may_cancel) == ("open", False)
    assert 'data-testid="cancel-claim"' not in page(citizen, "/tasks/mine/")


def test_cancel_offered_on_the_task_page_before_the_start(make_task, citizen) -> None:
    start = timezone.now() + timedelta(hours=3)
    task = make_task(starts_at=start, ends_at=start + timedelta(hours=1))
    services.claim_create(task=task, user=citizen)
    html = page(citizen, f"/tasks/{task.id}/")
    assert 'data-testid="cancel-claim"' in html
    assert 'data-phase="upcoming"' in html
