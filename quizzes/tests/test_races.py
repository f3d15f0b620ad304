"""Pay-once for a pass under a replayed Idempotency-Key and under races of real connections."""

import pytest
from django.test import Client

from conftest import ApiClient, login_token
from quizzes import services
from quizzes.models import Attempt, QuizPass
from quizzes.tests.conftest import answers_for, assert_books_whole, right_answers, wallet
from rewards.models import Redemption
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)


def _attempt(client: ApiClient, quiz_id: int) -> dict:
    response = client.post(f"/quizzes/{quiz_id}/attempts")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_replayed_idempotency_key_answers_the_same_and_pays_once(citizen, make_quiz):
    # given a citizen's attempt, all right
    quiz = make_quiz()
    client = ApiClient(login_token(Client(), citizen.email))
    attempt = _attempt(client, quiz.pk)
    body = {"answers": answers_for(attempt, 5)}

    # when the submission is sent three times under one Idempotency-Key
    headers = {"Idempotency-Key": "quiz-submit-1"}
    responses = [client.post(f"/attempts/{attempt['id']}/answers", body, headers=headers) for _ in range(3)]

    # then the same answer three times, one payment, one prize
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert responses[0].json() == responses[1].json() == responses[2].json()
    assert responses[0].json()["points_awarded"] == 30
    assert wallet(citizen) == 30
    assert Redemption.objects.filter(user=citizen).count() == 1
    assert_books_whole()


def test_two_connections_submitting_one_attempt_score_it_once(citizen, make_quiz):
    # given an attempt and two connections of its citizen
    quiz = make_quiz()
    token = login_token(Client(), citizen.email)
    attempt = _attempt(ApiClient(token), quiz.pk)
    body = {"answers": answers_for(attempt, 5)}

    # when both submit at the same moment
    responses = race(lambda _: ApiClient(token).post(f"/attempts/{attempt['id']}/answers", body), range(2))

    # then one scores and pays, the other is told already_submitted
    assert sorted(r.status_code for r in responses) == [200, 409]
    (refused,) = [r for r in responses if r.status_code == 409]
    assert refused.json()["code"] == "already_submitted"
    assert wallet(citizen) == 30
    assert QuizPass.objects.filter(quiz=quiz, user=citizen).count() == 1
    assert Redemption.objects.filter(user=citizen).count() == 1
    assert_books_whole()


def test_two_passing_attempts_racing_pay_the_quiz_once(citizen, make_quiz):
    # given two attempts of one citizen, both all right
    quiz = make_quiz()
    attempts = [services.attempt_start(quiz=quiz, user=citizen) for _ in range(2)]
    plans = [
        (a, [{"question_id": i.question_id, "choice_ids": right_answers(i.question)} for i in a.items.all()])
        for a in attempts
    ]

    def submit(plan):
        attempt, answers = plan
        return services.attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk), answers=answers)

    # when both are submitted at once on two connections
    results = race(submit, plans)

    # then both are scored full marks, but the quiz paid this citizen once and reserved one prize
    assert sorted(r.score for r in results) == [100, 100]
    assert sorted(r.points_awarded for r in results) == [0, 30]
    assert wallet(citizen) == 30
    assert Redemption.objects.filter(user=citizen).count() == 1
    quiz.refresh_from_db()
    assert (quiz.passes_paid, quiz.escrow_points) == (1, 270)
    assert_books_whole()
