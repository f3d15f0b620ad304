"""A quiz proves an online task (issue 18 "Online tasks"): the citizen who claimed a task proved by a
quiz and passes that quiz has the claim completed and paid, once; a failed quiz only records the score."""

from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.tests.conftest import answers_for, wallet
from tasks_app import services as task_services
from tasks_app.models import Claim, ClaimStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz_task(agency, staff, make_quiz):
    quiz = make_quiz(points=0, paid_places=0, prize_reward_id=None, prize_pickup_point_id=None)
    now = timezone.now()
    task = task_services.task_create(
        agency=agency,
        created_by=staff,
        title="Pass the anti-fraud quiz",
        description="Play it to the pass mark.",
        category="safety_publicity",
        lat=None,
        lon=None,
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(days=3),
        headcount=10,
        points=15,
        proof="quiz",
        quiz_id=quiz.pk,
        online_url="",
        auto_approve=True,
    )
    return quiz, task_services.task_publish(task=task, user=staff)


def play(api, quiz, *, right: int):
    attempt = api.post(f"/quizzes/{quiz.pk}/attempts").json()
    return api.post(f"/attempts/{attempt['id']}/answers", {"answers": answers_for(attempt, right)}).json()


def test_passing_the_quiz_completes_and_pays_the_claimed_online_task_once(api_as, citizen, quiz_task, settings):
    settings.FUBI_NEW_ACCOUNT_MANUAL_CLAIMS = 0
    quiz, task = quiz_task
    api = api_as(citizen)
    assert api.post(f"/tasks/{task.pk}/claims").status_code == 201

    failed = play(api, quiz, right=1)
    claim = Claim.objects.get(task=task, user=citizen)
    assert (failed["passed"], claim.status, claim.quiz_score) == (False, ClaimStatus.CLAIMED, 20)

    passed = play(api, quiz, right=5)
    claim.refresh_from_db()
    assert (passed["passed"], claim.status, claim.quiz_score, wallet(citizen)) == (True, ClaimStatus.PAID, 100, 15)

    play(api, quiz, right=5)  # a third attempt, passed again, pays nothing more
    assert wallet(citizen) == 15
