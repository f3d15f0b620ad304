"""Playing a quiz through the API: no answers before they are given, scoring on the server, a pass
paid once from the agency's escrow, full marks reserving the prize, 404 and 409, and the timer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ledger import services as ledger_services
from ledger.models import Transaction, TransactionKind
from quizzes import services
from quizzes.models import Attempt, Question, QuizPass
from quizzes.tests.conftest import (
    answers_for,
    assert_books_whole,
    balance,
    right_answers,
    wallet,
    wrong_answer,
)
from rewards.models import Redemption, RedemptionStatus

pytestmark = pytest.mark.django_db


def test_an_attempt_carries_no_answers_and_no_explanations(api_as, citizen, make_quiz):
    # given a published quiz
    quiz = make_quiz()

    # when a citizen starts it
    response = api_as(citizen).post(f"/quizzes/{quiz.pk}/attempts")

    # then five questions come with their choices, and nothing says which is right or why
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "quiz_id", "expires_at", "time_limit_s", "questions"}
    assert len(body["questions"]) == 5
    for question in body["questions"]:
        assert set(question) == {"id", "text", "multiple", "choices"}
        for choice in question["choices"]:
            assert set(choice) == {"id", "text"}
    assert b"Why:" not in response.content
    assert b"correct" not in response.content


def test_the_quiz_list_shows_published_quizzes(api_as, citizen, make_quiz):
    quiz = make_quiz()
    make_quiz(publish=False)  # a draft is nobody's to play

    body = api_as(citizen).get("/quizzes").json()

    assert body["count"] == 1
    (item,) = body["items"]
    assert item["id"] == quiz.pk
    assert (item["question_count"], item["time_limit_s"], item["pass_score"], item["points"]) == (5, 120, 60, 30)


@pytest.mark.parametrize(
    ("right", "score", "passed", "points"), [(5, 100, True, 30), (3, 60, True, 30), (2, 40, False, 0)]
)
def test_scoring_on_the_server(api_as, citizen, make_quiz, agency, right, score, passed, points):
    # given an attempt, answered with `right` questions right and the others wrong
    quiz = make_quiz()
    client = api_as(citizen)
    attempt = client.post(f"/quizzes/{quiz.pk}/attempts").json()
    escrow_before = balance(ledger_services.agency_escrow_account(agency))

    # when it is submitted
    response = client.post(f"/attempts/{attempt['id']}/answers", {"answers": answers_for(attempt, right)})

    # then the server's score, the pass, the points paid from the escrow
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["score"], body["max_score"], body["passed"], body["points_awarded"]) == (score, 100, passed, points)
    assert wallet(citizen) == points
    assert balance(ledger_services.agency_escrow_account(agency)) == escrow_before - points
    assert [r["correct"] for r in body["results"]] == [True] * right + [False] * (5 - right)
    assert (body["prize"] is not None) is (score == 100)
    assert_books_whole()


def test_multiple_choice_needs_exactly_the_right_set(citizen, make_quiz, bank):
    # given the multiple-choice question (choices 0 and 2 right)
    quiz = make_quiz()
    attempt = services.attempt_start(quiz=quiz, user=citizen)
    multiple = bank[4]
    first, _second, third, _fourth = (choice.pk for choice in multiple.choices.all())

    # when one of the two right choices is given, the answer is wrong; both are right (any order)
    half = services.attempt_answer(attempt=attempt, question_id=multiple.pk, choice_ids=[first])
    other = services.attempt_start(quiz=quiz, user=citizen)
    whole = services.attempt_answer(attempt=other, question_id=multiple.pk, choice_ids=[third, first])

    # then
    assert half.correct is False
    assert whole.correct is True


def test_full_marks_reserve_the_prize_at_price_zero(api_as, citizen, make_quiz, prize, pickup_point):
    # given a quiz with a prize
    quiz = make_quiz()
    client = api_as(citizen)
    attempt = client.post(f"/quizzes/{quiz.pk}/attempts").json()

    # when it is answered all right
    body = client.post(f"/attempts/{attempt['id']}/answers", {"answers": answers_for(attempt, 5)}).json()

    # then the prize is reserved at its pickup point: a shop order of 0 points, no hold, stock taken
    order = Redemption.objects.get(user=citizen)
    assert body["prize"]["redemption_id"] == order.pk
    assert body["prize"]["code"] == order.code
    assert body["prize"]["pickup_point"] == pickup_point.name
    assert (order.status, order.points, order.hold_id, order.pickup_point_id) == (
        RedemptionStatus.RESERVED,
        0,
        None,
        pickup_point.pk,
    )
    prize.refresh_from_db()
    assert prize.stock_left == 9
    assert wallet(citizen) == 30  # the prize cost nothing
    assert_books_whole()


def test_a_second_full_marks_attempt_reserves_no_second_prize(citizen, make_quiz, prize):
    quiz = make_quiz()
    for _ in range(2):
        attempt = services.attempt_start(quiz=quiz, user=citizen)
        items = attempt.items.select_related("question")
        answers = [{"question_id": i.question_id, "choice_ids": right_answers(i.question)} for i in items]
        services.attempt_submit(attempt=attempt, answers=answers)

    assert Redemption.objects.filter(user=citizen).count() == 1
    prize.refresh_from_db()
    assert prize.stock_left == 9
    assert wallet(citizen) == 30  # and the second pass paid nothing
    assert QuizPass.objects.get(quiz=quiz, user=citizen).points == 30


def test_a_second_submission_is_409_already_submitted(api_as, citizen, make_quiz):
    quiz = make_quiz()
    client = api_as(citizen)
    attempt = client.post(f"/quizzes/{quiz.pk}/attempts").json()
    assert client.post(f"/attempts/{attempt['id']}/answers", {"answers": answers_for(attempt, 4)}).status_code == 200

    again = client.post(f"/attempts/{attempt['id']}/answers", {"answers": answers_for(attempt, 5)})

    assert again.status_code == 409
    assert again.json()["code"] == "already_submitted"
    assert Attempt.objects.get(pk=attempt["id"]).score == 80
    assert wallet(citizen) == 30


def test_another_citizens_attempt_is_404(api_as, citizen, other_citizen, make_quiz):
    quiz = make_quiz()
    attempt = api_as(citizen).post(f"/quizzes/{quiz.pk}/attempts").json()
    intruder = api_as(other_citizen)

    submitted = intruder.post(f"/attempts/{attempt['id']}/answers", {"answers": answers_for(attempt, 5)})
    answered = intruder.post(
        f"/attempts/{attempt['id']}/responses", answers_for(attempt, 1)[0] if attempt["questions"] else {}
    )
    read = intruder.get(f"/attempts/{attempt['id']}")

    assert [r.status_code for r in (submitted, answered, read)] == [404, 404, 404]
    assert {r.json()["code"] for r in (submitted, answered, read)} == {"not_found"}
    assert Attempt.objects.get(pk=attempt["id"]).submitted_at is None
    assert wallet(other_citizen) == 0


def test_one_answer_returns_its_explanation_and_cannot_be_changed(api_as, citizen, make_quiz):
    # given an attempt
    quiz = make_quiz()
    client = api_as(citizen)
    attempt = client.post(f"/quizzes/{quiz.pk}/attempts").json()
    question = Question.objects.get(pk=attempt["questions"][0]["id"])

    # when the first question is answered wrong, then again right
    first = client.post(
        f"/attempts/{attempt['id']}/responses", {"question_id": question.pk, "choice_ids": wrong_answer(question)}
    )
    second = client.post(
        f"/attempts/{attempt['id']}/responses", {"question_id": question.pk, "choice_ids": right_answers(question)}
    )

    # then the explanation and the right choices come after the answer, and the answer stands
    assert first.status_code == 200
    assert first.json() == {
        "question_id": question.pk,
        "answered": True,
        "correct": False,
        "choice_ids": wrong_answer(question),
        "correct_choice_ids": right_answers(question),
        "explanation": question.explanation,
    }
    assert (second.status_code, second.json()["code"]) == (409, "already_answered")
    # ... and a submission that gives it again right still counts it wrong
    body = client.post(f"/attempts/{attempt['id']}/answers", {"answers": answers_for(attempt, 5)}).json()
    assert body["score"] == 80


def test_a_choice_of_another_question_is_422(api_as, citizen, make_quiz):
    quiz = make_quiz()
    client = api_as(citizen)
    attempt = client.post(f"/quizzes/{quiz.pk}/attempts").json()
    first, second = attempt["questions"][:2]

    response = client.post(
        f"/attempts/{attempt['id']}/responses",
        {"question_id": first["id"], "choice_ids": [second["choices"][0]["id"]]},
    )

    assert (response.status_code, response.json()["code"]) == (422, "invalid")


def test_the_timer_with_moved_time(api_as, citizen, make_quiz, monkeypatch, settings):
    # given an attempt with a 120 s limit and a 5 s grace, two questions answered in time
    settings.FUBI_QUIZ_GRACE_SECONDS = 5
    quiz = make_quiz()
    client = api_as(citizen)
    started = timezone.now()
    attempt = client.post(f"/quizzes/{quiz.pk}/attempts").json()
    answers = answers_for(attempt, 5)
    for answer in answers[:2]:
        assert client.post(f"/attempts/{attempt['id']}/responses", answer).status_code == 200

    # when the clock is 3 s past the limit, one more answer is still taken (the grace) ...
    monkeypatch.setattr(timezone, "now", lambda: started + timedelta(seconds=123))
    in_grace = client.post(f"/attempts/{attempt['id']}/responses", answers[2])
    # ... and at 10 s past it, an answer is refused and a submission's answers are ignored
    monkeypatch.setattr(timezone, "now", lambda: started + timedelta(seconds=130))
    late = client.post(f"/attempts/{attempt['id']}/responses", answers[3])
    body = client.post(f"/attempts/{attempt['id']}/answers", {"answers": answers}).json()

    # then the attempt scores what was answered in time: three right of five
    assert in_grace.status_code == 200
    assert (late.status_code, late.json()["code"]) == (409, "attempt_expired")
    assert (body["score"], body["passed"], body["points_awarded"]) == (60, True, 30)
    assert [r["answered"] for r in body["results"]] == [True, True, True, False, False]


def test_attempts_left_open_are_scored_by_the_sweep(citizen, make_quiz):
    # given an attempt with three right answers, never submitted
    quiz = make_quiz()
    attempt = services.attempt_start(quiz=quiz, user=citizen)
    for item in list(attempt.items.select_related("question"))[:3]:
        services.attempt_answer(attempt=attempt, question_id=item.question_id, choice_ids=right_answers(item.question))

    # when the sweep runs before the limit, nothing; after limit and grace, it is scored and paid
    assert services.attempts_close_expired(now=timezone.now() + timedelta(seconds=60)) == 0
    assert services.attempts_close_expired(now=timezone.now() + timedelta(seconds=200)) == 1
    assert services.attempts_close_expired(now=timezone.now() + timedelta(seconds=300)) == 0

    # then
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed, attempt.points_awarded) == (60, True, 30)
    assert wallet(citizen) == 30


def test_staff_of_the_quizs_agency_do_not_play_it(api_as, staff, make_quiz):
    quiz = make_quiz()

    response = api_as(staff).post(f"/quizzes/{quiz.pk}/attempts")

    assert (response.status_code, response.json()["code"]) == (403, "own_agency_quiz")


def test_attempts_per_citizen_are_limited(api_as, citizen, make_quiz):
    quiz = make_quiz(max_attempts=2)
    client = api_as(citizen)
    codes = [client.post(f"/quizzes/{quiz.pk}/attempts").status_code for _ in range(3)]
    third = client.post(f"/quizzes/{quiz.pk}/attempts")

    assert codes == [201, 201, 409]
    assert third.json()["code"] == "attempts_exhausted"


def test_paid_places_run_out_and_closing_returns_the_rest(make_user, make_quiz, agency, staff):
    # given a quiz paying 2 passes of 30
    quiz = make_quiz(paid_places=2)
    budget = ledger_services.agency_budget_account(agency)
    budget_after_publish = balance(budget)
    players = [make_user() for _ in range(3)]

    # when three citizens pass
    for player in players:
        attempt = services.attempt_start(quiz=quiz, user=player)
        answers = [
            {"question_id": i.question_id, "choice_ids": right_answers(i.question)}
            for i in attempt.items.select_related("question")
        ]
        services.attempt_submit(attempt=attempt, answers=answers)

    # then two are paid, the third passes unpaid, and closing gives the (empty) rest back
    assert [wallet(p) for p in players] == [30, 30, 0]
    quiz.refresh_from_db()
    assert (quiz.passes_paid, quiz.escrow_points) == (2, 0)
    services.quiz_close(quiz=quiz, actor=staff)
    assert balance(budget) == budget_after_publish
    assert_books_whole()


def test_closing_returns_unpaid_escrow(make_quiz, agency, staff):
    budget = ledger_services.agency_budget_account(agency)
    before = balance(budget)
    quiz = make_quiz(paid_places=10)
    assert balance(budget) == before - 300

    services.quiz_close(quiz=quiz, actor=staff)

    assert balance(budget) == before
    kinds = list(Transaction.objects.filter(ref_id=quiz.pk, ref_type="quizzes.quiz").values_list("kind", flat=True))
    assert sorted(kinds) == [TransactionKind.ESCROW_RETURN, TransactionKind.QUIZ_ESCROW]
    assert_books_whole()


def test_reconciliation_catches_a_quiz_escrow_that_disagrees_with_the_books(citizen, make_quiz):
    # given a published quiz whose pass was paid, the books whole
    quiz = make_quiz()
    attempt = services.attempt_start(quiz=quiz, user=citizen)
    answers = [{"question_id": i.question_id, "choice_ids": right_answers(i.question)} for i in attempt.items.all()]
    services.attempt_submit(attempt=attempt, answers=answers)
    assert_books_whole()

    # when the quiz's mirror is changed behind the ledger's back
    type(quiz).objects.filter(pk=quiz.pk).update(escrow_points=999)

    # then the auditor's reconciliation names the quiz
    from ledger.reconciliation import reconciliation_report

    report = reconciliation_report()
    assert report["ok"] is False
    assert {"check": "quiz_escrow", "quiz_id": quiz.pk, "mirror": 999, "ledger": 270} in report["mismatches"]


def test_the_quiz_list_costs_the_same_few_queries_for_many_quizzes(
    api_as, citizen, make_quiz, django_assert_num_queries
):
    client = api_as(citizen)
    make_quiz()
    client.get("/quizzes")  # warm: the session and the citizen's row
    with django_assert_num_queries(4) as one:  # the session and user, the home community, count, page
        assert client.get("/quizzes").json()["count"] == 1
    for _ in range(3):
        make_quiz()
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get("/quizzes").json()["count"] == 4
