"""The staff's quiz pages: the bank's form, the editor that publishes, pass rates with exact numbers."""

import pytest
from django.test import Client

from accounts.models import GridLevel
from accounts.tests.factories import GridFactory, box
from engagement.models import EngagementProfile
from ledger import services as ledger_services
from quizzes import services
from quizzes.models import Question, Quiz, QuizStatus
from quizzes.tests.conftest import TAGS, balance, right_answers, wrong_answer

pytestmark = pytest.mark.django_db


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_add_a_question_through_the_bank_form(staff, agency):
    response = _as(staff).post(
        "/staff/quizzes/questions/",
        {
            "agency": agency.pk,
            "tag": "冒充客服",
            "text": "客服让你开通备用金？",
            "explanation": "真客服不会让你贷款。",
            "choice_1": "照做",
            "choice_2": "挂断核实",
            "correct_2": "on",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/staff/quizzes/questions/"
    question = Question.objects.get(text="客服让你开通备用金？")
    assert [(c.text, c.correct) for c in question.choices.all()] == [("照做", False), ("挂断核实", True)]


def test_a_single_choice_question_with_two_right_choices_is_shown_again_with_the_reason(staff, agency):
    response = _as(staff).post(
        "/staff/quizzes/questions/",
        {
            "agency": agency.pk,
            "tag": "冒充客服",
            "text": "Two right?",
            "explanation": "No.",
            "choice_1": "a",
            "correct_1": "on",
            "choice_2": "b",
            "correct_2": "on",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["单选题必须恰有一个正确选项，多选题至少有一个。"]
    assert not Question.objects.filter(text="Two right?").exists()


def test_staff_assemble_and_publish_a_quiz_funding_its_escrow(staff, agency, bank):
    budget = ledger_services.agency_budget_account(agency)
    before = balance(budget)

    response = _as(staff).post(
        "/staff/quizzes/",
        {
            "agency": agency.pk,
            "title": "反诈小测验",
            "tags": list(TAGS),
            "question_count": 4,
            "points_per_question": 25,
            "pass_score": 75,
            "time_limit_s": 180,
            "points": 10,
            "paid_places": 50,
            "max_attempts": 2,
            "publish": "on",
        },
    )

    quiz = Quiz.objects.get(title="反诈小测验")
    assert response.status_code == 302
    assert response["Location"] == f"/staff/quizzes/{quiz.pk}/"
    assert (quiz.status, quiz.max_score, quiz.escrow_points) == (QuizStatus.PUBLISHED, 100, 500)
    assert balance(budget) == before - 500
    listing = _as(staff).get("/staff/quizzes/")
    assert f'data-testid="staff-quiz-{quiz.pk}"' in listing.content.decode()


def test_the_editor_refuses_more_questions_than_the_bank_has_and_keeps_nothing(staff, agency, bank):
    response = _as(staff).post(
        "/staff/quizzes/",
        {
            "agency": agency.pk,
            "title": "太多题",
            "tags": [TAGS[1]],
            "question_count": 5,
            "points_per_question": 20,
            "pass_score": 60,
            "time_limit_s": 180,
            "points": 10,
            "paid_places": 5,
            "max_attempts": 2,
            "publish": "on",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Quiz.objects.filter(title="太多题").exists()


def test_pass_rates_per_question_and_per_community_are_exact(staff, make_user, make_quiz, bank):
    # given two communities, three players: A all right; B wrong on bank[0] and bank[1]; C wrong on bank[0]
    east = GridFactory(code="q-east", level=GridLevel.COMMUNITY, boundary=box(26.0, 119.0, 26.1, 119.1), name="东区")
    west = GridFactory(code="q-west", level=GridLevel.COMMUNITY, boundary=box(26.2, 119.0, 26.3, 119.1), name="西区")
    quiz = make_quiz()
    wrong_by_player = {"A": set(), "B": {bank[0].pk, bank[1].pk}, "C": {bank[0].pk}}
    homes = {"A": east, "B": east, "C": west}
    for name, wrong in wrong_by_player.items():
        player = make_user(display_name=name)
        EngagementProfile.objects.create(user=player, home_grid=homes[name])
        attempt = services.attempt_start(quiz=quiz, user=player)
        answers = [
            {
                "question_id": item.question_id,
                "choice_ids": wrong_answer(item.question)
                if item.question_id in wrong
                else right_answers(item.question),
            }
            for item in attempt.items.select_related("question")
        ]
        services.attempt_submit(attempt=attempt, answers=answers)

    # when the staff open the quiz's page
    response = _as(staff).get(f"/staff/quizzes/{quiz.pk}/")

    # then the most failed question first: bank[0] 1 of 3 right, bank[1] 2 of 3, then the others 3 of 3
    questions = response.context["questions"]
    assert [(row["question_id"], row["shown"], row["right"], row["percent"]) for row in questions[:2]] == [
        (bank[0].pk, 3, 1, 33),
        (bank[1].pk, 3, 2, 67),
    ]
    assert {(row["shown"], row["right"]) for row in questions[2:]} == {(3, 3)}
    # ... and per community: 东区 2 attempts (A 100, B 60) both passed; 西区 C 80 passed
    communities = response.context["communities"]
    assert [(row["grid"], row["attempts"], row["passed"], row["percent"]) for row in communities] == [
        ("东区", 2, 2, 100),
        ("西区", 1, 1, 100),
    ]
    summary = response.context["summary"]
    assert (summary["players"], summary["attempts"], summary["passed"], summary["full"]) == (3, 3, 3, 1)
    page = response.content.decode()
    assert f'data-testid="question-rate-{bank[0].pk}"' in page
    assert "33%" in page


def test_a_citizen_is_not_allowed_on_the_staff_pages(citizen):
    client = _as(citizen)
    assert [client.get(path).status_code for path in ("/staff/quizzes/", "/staff/quizzes/questions/")] == [403, 403]


def test_another_agencys_quiz_is_not_found(make_user, make_quiz):
    from accounts.services import agency_membership_add
    from accounts.tests.factories import AgencyFactory

    other = make_user()
    agency_membership_add(user=other, agency=AgencyFactory(name="Another station"))
    quiz = make_quiz()

    assert _as(other).get(f"/staff/quizzes/{quiz.pk}/").status_code == 404
    response = _as(other).post(f"/staff/quizzes/{quiz.pk}/close/")
    assert response.status_code == 302
    quiz.refresh_from_db()
    assert quiz.status == QuizStatus.PUBLISHED
