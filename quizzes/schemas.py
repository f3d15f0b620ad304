"""ninja schemas of the quizzes API (docs/api.md, quizzes): separate In and Out, fields listed.

A question goes out without its answers (ChoiceOut has no `correct`) until it has been answered
(ResultItemOut, after POST /attempts/{id}/responses or the submission)."""

from datetime import datetime

from ninja import Schema
from pydantic import Field

from quizzes.models import Attempt, AttemptQuestion, Question, Quiz

MAX_ID = 2**62  # ids are bigints: anything larger names nothing


class QuizOut(Schema):
    id: int
    title: str
    question_count: int
    time_limit_s: int
    pass_score: int
    max_score: int
    points: int
    prize: str | None
    max_attempts: int

    @staticmethod
    def resolve_title(obj: Quiz) -> str:
        return obj.shown_title

    @staticmethod
    def resolve_prize(obj: Quiz) -> str | None:
        return obj.prize_reward.shown_name if obj.prize_reward_id else None


class QuizListOut(Schema):
    items: list[QuizOut]
    count: int


class ChoiceOut(Schema):
    id: int
    text: str


class QuestionOut(Schema):
    id: int
    text: str
    multiple: bool
    choices: list[ChoiceOut]


class AttemptOut(Schema):
    id: int
    quiz_id: int
    expires_at: datetime
    time_limit_s: int
    questions: list[QuestionOut]


def attempt_out(attempt: Attempt, items: list[AttemptQuestion]) -> dict:
    """The attempt as POST /quizzes/{id}/attempts answers it: questions and choices, no answers."""
    return {
        "id": attempt.pk,
        "quiz_id": attempt.quiz_id,
        "expires_at": attempt.expires_at,
        "time_limit_s": attempt.quiz.time_limit_s,
        "questions": [
            {
                "id": item.question_id,
                "text": item.question.shown_text,
                "multiple": item.question.multiple,
                "choices": [{"id": c.pk, "text": c.shown_text} for c in item.question.choices.all()],
            }
            for item in items
        ],
    }


class AnswerIn(Schema):
    question_id: int = Field(ge=1, le=MAX_ID)
    choice_ids: list[int] = Field(max_length=10)


class AnswersIn(Schema):
    answers: list[AnswerIn] = Field(default_factory=list, max_length=50)


class ResultItemOut(Schema):
    question_id: int
    answered: bool
    correct: bool
    choice_ids: list[int]
    correct_choice_ids: list[int]
    explanation: str


def result_item(item: AttemptQuestion) -> dict:
    """One answered question: what was given, what was right and why (only ever after the answer)."""
    return {
        "question_id": item.question_id,
        "answered": item.answered_at is not None,
        "correct": bool(item.correct),
        "choice_ids": item.choice_ids or [],
        "correct_choice_ids": [c.pk for c in item.question.choices.all() if c.correct],
        "explanation": item.question.shown_explanation,
    }


class PrizeOut(Schema):
    redemption_id: int
    code: str
    reward: str
    pickup_point: str
    pickup_address: str
    expires_at: datetime | None


class ScoreOut(Schema):
    score: int
    max_score: int
    passed: bool
    points_awarded: int
    prize: PrizeOut | None
    results: list[ResultItemOut]


def score_out(attempt: Attempt, items: list[AttemptQuestion]) -> dict:
    prize = attempt.prize
    return {
        "score": attempt.score,
        "max_score": attempt.max_score,
        "passed": bool(attempt.passed),
        "points_awarded": attempt.points_awarded,
        "prize": None
        if prize is None
        else {
            "redemption_id": prize.pk,
            "code": prize.code,
            "reward": prize.reward.shown_name,
            "pickup_point": prize.pickup_point.name,
            "pickup_address": prize.pickup_point.address,
            "expires_at": prize.expires_at,
        },
        "results": [result_item(item) for item in items],
    }


# --- staff --------------------------------------------------------------------------------------------


class ChoiceIn(Schema):
    text: str = Field(min_length=1, max_length=300)
    text_en: str = Field("", max_length=300)
    correct: bool = False


class QuestionIn(Schema):
    agency_id: int | None = Field(None, ge=1, le=MAX_ID)
    tag: str = Field(min_length=1, max_length=60)
    text: str = Field(min_length=1, max_length=500)
    text_en: str = Field("", max_length=500)
    multiple: bool = False
    explanation: str = Field(min_length=1, max_length=2000)
    explanation_en: str = Field("", max_length=2000)
    choices: list[ChoiceIn] = Field(min_length=2, max_length=6)


class StaffChoiceOut(Schema):
    id: int
    text: str
    text_en: str
    correct: bool


class StaffQuestionOut(Schema):
    id: int
    agency_id: int
    tag: str
    text: str
    text_en: str
    multiple: bool
    explanation: str
    explanation_en: str
    is_active: bool
    choices: list[StaffChoiceOut]

    @staticmethod
    def resolve_choices(obj: Question) -> list:
        return list(obj.choices.all())


class StaffQuestionListOut(Schema):
    items: list[StaffQuestionOut]
    count: int


class QuizIn(Schema):
    agency_id: int | None = Field(None, ge=1, le=MAX_ID)
    title: str = Field(min_length=1, max_length=120)
    title_en: str = Field("", max_length=120)
    tags: list[str] = Field(min_length=1, max_length=20)
    question_count: int = Field(ge=1, le=50)
    points_per_question: int = Field(20, ge=1, le=1000)
    pass_score: int = Field(ge=0, le=50_000)
    time_limit_s: int = Field(ge=10, le=86_400)
    points: int = Field(0, ge=0, le=100_000)
    paid_places: int = Field(0, ge=0, le=100_000)
    max_attempts: int = Field(3, ge=1, le=100)
    grid_id: int | None = Field(None, ge=1, le=MAX_ID)
    team_id: int | None = Field(None, ge=1, le=MAX_ID)
    prize_reward_id: int | None = Field(None, ge=1, le=MAX_ID)
    prize_pickup_point_id: int | None = Field(None, ge=1, le=MAX_ID)


class StaffQuizOut(Schema):
    id: int
    agency_id: int
    title: str
    title_en: str
    tags: list[str]
    question_count: int
    points_per_question: int
    max_score: int
    pass_score: int
    time_limit_s: int
    points: int
    paid_places: int
    passes_paid: int
    escrow_points: int
    max_attempts: int
    grid_id: int | None
    team_id: int | None
    prize_reward_id: int | None
    prize_pickup_point_id: int | None
    status: str
    published_at: datetime | None


class StaffQuizListOut(Schema):
    items: list[StaffQuizOut]
    count: int


class QuestionRateOut(Schema):
    question_id: int
    text: str
    tag: str
    shown: int
    right: int
    rate: float


class CommunityRateOut(Schema):
    grid_id: int | None
    grid: str | None
    attempts: int
    passed: int
    rate: float


class QuizStatsOut(Schema):
    attempts: int
    players: int
    passed: int
    full: int
    paid: int
    questions: list[QuestionRateOut]
    communities: list[CommunityRateOut]
