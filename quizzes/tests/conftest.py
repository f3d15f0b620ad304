"""Quiz test helpers: a funded agency with a bank of questions, its staff, citizens, a prize at a
pickup point, and quizzes made and published through the real services."""

import itertools
from decimal import Decimal

import pytest
from djmoney.money import Money

from accounts.services import agency_membership_add
from accounts.tests.factories import AgencyFactory, PickupPointFactory
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.reconciliation import reconciliation_report
from quizzes import services
from quizzes.models import Question, Quiz
from rewards.models import Reward, RewardKind

_keys = itertools.count()
TAGS = ("冒充客服", "刷单返利")


@pytest.fixture
def agency(db):
    agency = AgencyFactory(name=f"Quiz Police Station {next(_keys)}")
    ledger_services.agency_fund(agency=agency, amount=100_000, idempotency_key=f"quiz-fund:{next(_keys)}")
    return agency


@pytest.fixture
def staff(make_user, agency):
    user = make_user(display_name="王警官")
    agency_membership_add(user=user, agency=agency)
    return user


@pytest.fixture
def citizen(make_user):
    return make_user(display_name="小张")


@pytest.fixture
def other_citizen(make_user):
    return make_user(display_name="小李")


@pytest.fixture
def pickup_point(db):
    return PickupPointFactory(name=f"Quiz Service Point {next(_keys)}")


@pytest.fixture
def prize(pickup_point):
    reward = Reward.objects.create(
        name=f"Anti-fraud mug {next(_keys)}",
        kind=RewardKind.PHYSICAL,
        price_points=90,
        cost=Money(Decimal("15.00"), "CNY"),
        stock_left=10,
    )
    reward.pickup_points.add(pickup_point)
    return reward


def add_question(agency, *, tag: str, multiple: bool = False, right: tuple[int, ...] = (0,), n: int = 3) -> Question:
    """A question of `n` choices whose choices at the positions in `right` are correct."""
    return services.question_create(
        agency=agency,
        fields={
            "tag": tag,
            "text": f"Question {next(_keys)} about {tag}",
            "text_en": "",
            "multiple": multiple,
            "explanation": f"Why: {tag}",
            "explanation_en": "",
        },
        choices=[{"text": f"choice {i}", "correct": i in right} for i in range(n)],
    )


@pytest.fixture
def bank(agency) -> list[Question]:
    """Five questions: four single choice, one multiple choice (choices 0 and 2 right)."""
    questions = [add_question(agency, tag=TAGS[i % 2]) for i in range(4)]
    questions.append(add_question(agency, tag=TAGS[0], multiple=True, right=(0, 2), n=4))
    return questions


@pytest.fixture
def make_quiz(agency, staff, bank, prize, pickup_point):
    """make_quiz(**fields) → a published quiz drawing all five questions (20 marks each, pass 60)."""

    def make(publish: bool = True, **overrides) -> Quiz:
        fields = {
            "title": f"防骗闯关 {next(_keys)}",
            "tags": list(TAGS),
            "question_count": 5,
            "points_per_question": 20,
            "pass_score": 60,
            "time_limit_s": 120,
            "points": 30,
            "paid_places": 10,
            "max_attempts": 3,
            "prize_reward_id": prize.pk,
            "prize_pickup_point_id": pickup_point.pk,
            **overrides,
        }
        quiz = services.quiz_create(agency=agency, actor=staff, fields=fields)
        return services.quiz_publish(quiz=quiz, actor=staff) if publish else quiz

    return make


def right_answers(question: Question) -> list[int]:
    return [choice.pk for choice in question.choices.all() if choice.correct]


def wrong_answer(question: Question) -> list[int]:
    return [next(choice.pk for choice in question.choices.all() if not choice.correct)]


def answers_for(attempt_body: dict, right: int) -> list[dict]:
    """The answers of an attempt's body with the first `right` questions answered right, the rest wrong."""
    out = []
    for n, question in enumerate(attempt_body["questions"]):
        q = Question.objects.get(pk=question["id"])
        out.append({"question_id": q.pk, "choice_ids": right_answers(q) if n < right else wrong_answer(q)})
    return out


def balance(account) -> int:
    return ledger_selectors.account_balance(account)["balance"]


def wallet(user) -> int:
    return balance(ledger_services.citizen_account(user))


def assert_books_whole() -> None:
    report = reconciliation_report()
    assert report["mismatches"] == []
