"""The demo seed: a published anti-fraud quiz of five questions in Chinese and English, idempotent."""

import pytest

from accounts import demo as accounts_demo
from ledger import demo as ledger_demo
from quizzes import demo
from quizzes.models import Question, Quiz, QuizStatus
from quizzes.tests.conftest import assert_books_whole
from rewards import demo as rewards_demo

pytestmark = pytest.mark.django_db


def test_demo_seed_twice_gives_one_published_anti_fraud_quiz() -> None:
    ctx: dict = {}
    for _ in range(2):
        accounts_demo.seed(ctx)
        ledger_demo.seed(ctx)
        rewards_demo.seed(ctx)
        demo.seed(ctx)

    (quiz,) = Quiz.objects.all()
    assert (quiz.status, quiz.question_count, quiz.title) == (QuizStatus.PUBLISHED, 5, "防范电信网络诈骗大闯关")
    assert quiz.title_en == "Beat the phone and internet scams"
    assert (quiz.escrow_points, quiz.prize_reward, quiz.prize_pickup_point) == (
        20_000,
        ctx["reward_physical"],
        ctx["pickup_point"],
    )
    questions = Question.objects.filter(agency=ctx["agency"], tag__in=quiz.tags, is_active=True)
    assert questions.count() == 6
    assert all(q.text and q.text_en and q.explanation and q.explanation_en for q in questions)
    assert all(c.text and c.text_en for q in questions for c in q.choices.all())
    assert_books_whole()
