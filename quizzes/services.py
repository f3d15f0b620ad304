"""Every write of the quizzes: the question bank, assembling, publishing and closing a quiz, and a
citizen's attempt (start, answer one question, submit).

Lock order, the same everywhere: the attempt row → the quiz row (→ the ledger's accounts, the
reward row). The quiz row serialises its escrow mirror and its paid passes, as a task row does.

Time: an attempt expires `time_limit_s` after it started. An answer is taken until expires_at plus
FUBI_QUIZ_GRACE_SECONDS (the network's delay); later, POST /attempts/{id}/responses answers 409
attempt_expired and the answers in a late submission are ignored: the attempt scores what was
answered in time. Attempts never submitted are scored the same way by attempts_close_expired (beat).
"""

import random
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Agency, Grid, PickupPoint, Role, User
from accounts.selectors import user_phone_verified_require
from core.errors import DomainError, InvalidError
from ledger import services as ledger_services
from ledger.models import TransactionKind
from quizzes import selectors
from quizzes.audience import home_grid_id
from quizzes.errors import (
    AlreadyAnsweredError,
    AlreadySubmittedError,
    AttemptExpiredError,
    AttemptsExhaustedError,
    InvalidAnswerError,
    InvalidQuizStateError,
    NotCitizenError,
    NotEnoughQuestionsError,
    OwnAgencyQuizError,
    QuestionNotFoundError,
    QuizNotOpenError,
)
from quizzes.models import Attempt, AttemptQuestion, Choice, Question, Quiz, QuizPass, QuizStatus
from rewards import services as rewards_services
from rewards.models import Reward, RewardKind
from tasks_app.models import Team
from tasks_app.services import online

MIN_CHOICES, MAX_CHOICES = 2, 6
MAX_QUESTIONS = 50


# --- the bank ------------------------------------------------------------------------------------


def _choices_check(*, multiple: bool, choices: list[dict[str, Any]]) -> None:
    if not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
        raise InvalidError(
            _("A question has %(min)d to %(max)d choices.") % {"min": MIN_CHOICES, "max": MAX_CHOICES}, field="choices"
        )
    right = sum(1 for choice in choices if choice.get("correct"))
    if right == 0 or (not multiple and right != 1):
        raise InvalidError(
            _("A single-choice question has exactly one correct choice, a multiple-choice one at least one."),
            field="choices",
        )
    if any(not str(choice.get("text") or "").strip() for choice in choices):
        raise InvalidError(_("Every choice needs a text."), field="choices")


@transaction.atomic
def question_create(*, agency: Agency, fields: dict[str, Any], choices: list[dict[str, Any]]) -> Question:
    """Add a question with its choices to the agency's bank. Raises InvalidError."""
    _choices_check(multiple=bool(fields.get("multiple")), choices=choices)
    for name in ("tag", "text", "explanation"):
        if not str(fields.get(name) or "").strip():
            raise InvalidError(_("%(field)s is required.") % {"field": name}, field=name)
    question = Question.objects.create(agency=agency, **fields)
    Choice.objects.bulk_create(
        Choice(
            question=question,
            text=choice["text"].strip(),
            text_en=(choice.get("text_en") or "").strip(),
            correct=bool(choice.get("correct")),
            position=position,
        )
        for position, choice in enumerate(choices)
    )
    return question


@transaction.atomic
def question_set_active(*, question: Question, active: bool) -> Question:
    """Take a question out of the draw (or back in); attempts that drew it keep it."""
    question.is_active = active
    question.save(update_fields=["is_active", "updated_at"])
    return question


# --- quizzes ---------------------------------------------------------------------------------------


def _prize_check(*, reward_id: int | None, pickup_point_id: int | None) -> None:
    if reward_id is None:
        if pickup_point_id is not None:
            raise InvalidError(_("A pickup point needs a prize."), field="prize_pickup_point_id")
        return
    reward = Reward.objects.filter(pk=reward_id, kind=RewardKind.PHYSICAL, is_active=True).first()
    if reward is None:
        raise InvalidError(_("The prize must be an active physical reward."), field="prize_reward_id")
    if not PickupPoint.objects.filter(pk=pickup_point_id or 0, rewards=reward, is_active=True).exists():
        raise InvalidError(_("Pick the prize up at one of its pickup points."), field="prize_pickup_point_id")


@transaction.atomic
def quiz_create(*, agency: Agency, actor: User, fields: dict[str, Any]) -> Quiz:
    """A draft quiz of the agency. Raises InvalidError for values that do not fit together."""
    fields = {"points_per_question": 20, "points": 0, "paid_places": 0, "max_attempts": 3, **fields}
    tags = [tag.strip() for tag in fields.get("tags") or [] if tag and tag.strip()]
    if not tags:
        raise InvalidError(_("Draw from at least one tag."), field="tags")
    count = fields["question_count"]
    if not 1 <= count <= MAX_QUESTIONS:
        raise InvalidError(_("A quiz draws 1 to %(max)d questions.") % {"max": MAX_QUESTIONS}, field="question_count")
    if fields["pass_score"] > count * fields["points_per_question"]:
        raise InvalidError(_("The pass score is above full marks."), field="pass_score")
    if fields["time_limit_s"] < 10:
        raise InvalidError(_("Allow at least 10 seconds."), field="time_limit_s")
    if fields.get("grid_id") is not None and not Grid.objects.filter(pk=fields["grid_id"]).exists():
        raise InvalidError(_("No such grid."), field="grid_id")
    if fields.get("team_id") is not None:
        if fields.get("grid_id") is not None:
            raise InvalidError(_("Publish to a grid or to a team, not both."), field="team_id")
        if not Team.objects.filter(pk=fields["team_id"], agency=agency).exists():
            raise InvalidError(_("The team must be one of the agency's."), field="team_id")
    _prize_check(reward_id=fields.get("prize_reward_id"), pickup_point_id=fields.get("prize_pickup_point_id"))
    return Quiz.objects.create(agency=agency, created_by=actor, **{**fields, "tags": tags})


@transaction.atomic
def quiz_publish(*, quiz: Quiz, actor: User) -> Quiz:
    """Open a draft to its audience: hold paid_places × points of the agency's budget in its escrow.

    Raises InvalidQuizStateError, NotEnoughQuestionsError, InsufficientFundsError (409).
    """
    quiz = Quiz.objects.select_for_update().get(pk=quiz.pk)
    if quiz.status != QuizStatus.DRAFT:
        raise InvalidQuizStateError(status=quiz.status)
    available = Question.objects.filter(agency_id=quiz.agency_id, tag__in=quiz.tags, is_active=True).count()
    if available < quiz.question_count:
        raise NotEnoughQuestionsError(available=available, question_count=quiz.question_count)
    amount = quiz.paid_places * quiz.points
    if amount:
        ledger_services.transfer_post(
            kind=TransactionKind.QUIZ_ESCROW,
            source=ledger_services.agency_budget_account(quiz.agency),
            destination=ledger_services.agency_escrow_account(quiz.agency),
            amount=amount,
            idempotency_key=f"quiz:{quiz.id}:publish",
            memo=f"Escrow for quiz {quiz.id}: {quiz.paid_places} × {quiz.points}",
            ref=quiz,
            initiated_by=actor,
        )
    quiz.escrow_points += amount
    quiz.status, quiz.published_at = QuizStatus.PUBLISHED, timezone.now()
    quiz.save(update_fields=["status", "published_at", "escrow_points", "updated_at"])
    return quiz


@transaction.atomic
def quiz_close(*, quiz: Quiz, actor: User | None = None) -> Quiz:
    """Close a published quiz: nobody starts it any more, and what its escrow still holds goes back."""
    quiz = Quiz.objects.select_for_update().get(pk=quiz.pk)
    if quiz.status != QuizStatus.PUBLISHED:
        raise InvalidQuizStateError(status=quiz.status)
    if quiz.escrow_points:
        ledger_services.transfer_post(
            kind=TransactionKind.ESCROW_RETURN,
            source=ledger_services.agency_escrow_account(quiz.agency),
            destination=ledger_services.agency_budget_account(quiz.agency),
            amount=quiz.escrow_points,
            idempotency_key=f"quiz:{quiz.id}:close",
            memo=f"Quiz {quiz.id} closed: escrow returned",
            ref=quiz,
            initiated_by=actor,
        )
    quiz.escrow_points = 0
    quiz.status, quiz.closed_at = QuizStatus.CLOSED, timezone.now()
    quiz.save(update_fields=["status", "closed_at", "escrow_points", "updated_at"])
    return quiz


# --- playing -------------------------------------------------------------------------------------------


def _player_check(*, quiz: Quiz, user: User) -> None:
    if not user.has_role(Role.CITIZEN):
        raise NotCitizenError()
    if user.agency_memberships.filter(agency_id=quiz.agency_id).exists():
        raise OwnAgencyQuizError()
    user_phone_verified_require(user=user)  # points are paid to real people (FUBI_REQUIRE_VERIFIED_PHONE)


@transaction.atomic
def attempt_start(*, quiz: Quiz, user: User, now: datetime | None = None) -> Attempt:
    """Start an attempt: draw question_count questions at random from the quiz's tags.

    Raises NotCitizenError, OwnAgencyQuizError, QuizNotOpenError, AttemptsExhaustedError.
    """
    _player_check(quiz=quiz, user=user)
    if quiz.status != QuizStatus.PUBLISHED:
        raise QuizNotOpenError(status=quiz.status)
    with connection.cursor() as cursor:  # one citizen's starts of one quiz, one at a time (two int keys)
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [quiz.pk, user.pk])
    used = selectors.attempts_count(quiz=quiz, user=user)
    if used >= quiz.max_attempts:
        raise AttemptsExhaustedError(max_attempts=quiz.max_attempts)
    bank = Question.objects.filter(agency_id=quiz.agency_id, tag__in=quiz.tags, is_active=True)
    pool = list(bank.values_list("pk", flat=True))
    if len(pool) < quiz.question_count:
        raise QuizNotOpenError(available=len(pool))
    drawn = random.sample(pool, quiz.question_count)  # a quiz's draw, not a secret
    now = now or timezone.now()
    attempt = Attempt.objects.create(
        quiz=quiz,
        user=user,
        grid_id=home_grid_id(user=user),
        expires_at=now + timedelta(seconds=quiz.time_limit_s),
        max_score=quiz.max_score,
    )
    AttemptQuestion.objects.bulk_create(
        AttemptQuestion(attempt=attempt, question_id=question_id, position=position)
        for position, question_id in enumerate(drawn)
    )
    return attempt


def _deadline(attempt: Attempt) -> datetime:
    return attempt.expires_at + timedelta(seconds=settings.FUBI_QUIZ_GRACE_SECONDS)


def _correct_ids(question: Question) -> set[int]:
    return {choice.pk for choice in question.choices.all() if choice.correct}


def _record(item: AttemptQuestion, choice_ids: list[int], now: datetime) -> None:
    """Judge and keep one answer; the choices must be the question's, one for a single choice."""
    given = set(choice_ids)
    offered = {choice.pk for choice in item.question.choices.all()}
    if not given or not given <= offered or (not item.question.multiple and len(given) != 1):
        raise InvalidAnswerError(question_id=item.question_id, choice_ids=sorted(given))
    item.choice_ids = sorted(given)
    item.correct = given == _correct_ids(item.question)
    item.answered_at = now
    item.save(update_fields=["choice_ids", "correct", "answered_at", "updated_at"])


def _attempt_lock(attempt: Attempt) -> Attempt:
    return Attempt.objects.select_for_update().select_related("quiz", "user").get(pk=attempt.pk)


@transaction.atomic
def attempt_answer(
    *, attempt: Attempt, question_id: int, choice_ids: list[int], now: datetime | None = None
) -> AttemptQuestion:
    """Answer one question of an open attempt, once; the caller may then show its explanation.

    Raises AlreadySubmittedError, AttemptExpiredError, QuestionNotFoundError, AlreadyAnsweredError,
    InvalidAnswerError.
    """
    attempt = _attempt_lock(attempt)
    now = now or timezone.now()
    if attempt.submitted_at is not None:
        raise AlreadySubmittedError()
    if now > _deadline(attempt):
        raise AttemptExpiredError(expires_at=attempt.expires_at.isoformat())
    item = selectors.attempt_items(attempt=attempt).filter(question_id=question_id).first()
    if item is None:
        raise QuestionNotFoundError(question_id=question_id)
    if item.answered_at is not None:
        raise AlreadyAnsweredError(question_id=question_id)
    _record(item, choice_ids, now)
    return item


@transaction.atomic
def attempt_submit(*, attempt: Attempt, answers: list[dict[str, Any]], now: datetime | None = None) -> Attempt:
    """Score an attempt on the server, once: answers given earlier stand, the submission's answers to
    other questions count if they arrive in time. A pass is paid once per quiz and citizen; full marks
    reserve the prize. Raises AlreadySubmittedError, InvalidAnswerError, QuestionNotFoundError.
    """
    attempt = _attempt_lock(attempt)
    if attempt.submitted_at is not None:
        raise AlreadySubmittedError(score=attempt.score)
    now = now or timezone.now()
    items = {item.question_id: item for item in selectors.attempt_items(attempt=attempt)}
    in_time = now <= _deadline(attempt)
    for answer in answers:
        item = items.get(answer["question_id"])
        if item is None:
            raise QuestionNotFoundError(question_id=answer["question_id"])
        if in_time and item.answered_at is None:
            _record(item, answer["choice_ids"], now)
    right = sum(1 for item in items.values() if item.correct)
    attempt.score = right * attempt.quiz.points_per_question
    attempt.passed = attempt.score >= attempt.quiz.pass_score
    attempt.submitted_at = now
    if attempt.passed:
        attempt.points_awarded = _pass_pay(attempt=attempt)
    if attempt.score == attempt.max_score and attempt.quiz.prize_reward_id:
        attempt.prize = _prize_reserve(attempt=attempt)
    attempt.save(update_fields=["score", "passed", "submitted_at", "points_awarded", "prize", "updated_at"])
    # An online task proved by this quiz (tasks_app) records the result; a pass completes its claim.
    online.claim_quiz_result_record(
        quiz_id=attempt.quiz_id, user_id=attempt.user_id, passed=attempt.passed, score=attempt.score, now=now
    )
    return attempt


def _pass_pay(*, attempt: Attempt) -> int:
    """Record the citizen's first pass of the quiz and pay it from the quiz's escrow while paid
    places and escrow last; a later pass (or a replay) pays nothing. The quiz row lock serialises it."""
    quiz = Quiz.objects.select_for_update().select_related("agency").get(pk=attempt.quiz_id)
    if QuizPass.objects.filter(quiz=quiz, user_id=attempt.user_id).exists():
        return 0
    points = quiz.points if quiz.passes_paid < quiz.paid_places and quiz.escrow_points >= quiz.points else 0
    transfer = None
    if points:
        transfer = ledger_services.transfer_post(
            kind=TransactionKind.QUIZ_PAYOUT,
            source=ledger_services.agency_escrow_account(quiz.agency),
            destination=ledger_services.citizen_account(attempt.user),
            amount=points,
            idempotency_key=f"quiz:{quiz.id}:user:{attempt.user_id}:pass",
            memo=f"Quiz {quiz.id}: {quiz.title}"[:200],
            ref=attempt,
        )
        quiz.escrow_points -= points
        quiz.passes_paid += 1
        quiz.save(update_fields=["escrow_points", "passes_paid", "updated_at"])
    QuizPass.objects.create(quiz=quiz, user_id=attempt.user_id, attempt=attempt, points=points, transaction=transfer)
    return points


def _prize_reserve(*, attempt: Attempt) -> Any:
    """Reserve the quiz's prize for full marks, once per quiz and citizen (the order's request key);
    none left (or the prize withdrawn) leaves the score and the points as they are."""
    quiz = attempt.quiz
    try:
        with transaction.atomic():  # a savepoint: a refused prize undoes only itself
            return rewards_services.prize_reserve(
                reward_id=quiz.prize_reward_id,
                user=attempt.user,
                pickup_point_id=quiz.prize_pickup_point_id,
                request_key=f"quiz:{quiz.id}:prize",
            )
    except DomainError:
        return None


def attempts_close_expired(*, now: datetime | None = None) -> int:
    """Score every attempt left open past its deadline (what was answered in time); each in its own
    transaction, safe to run twice at once (a submitted attempt is skipped under its lock)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.FUBI_QUIZ_GRACE_SECONDS)
    closed = 0
    for attempt in Attempt.objects.filter(submitted_at__isnull=True, expires_at__lt=cutoff).order_by("id")[:1000]:
        try:
            attempt_submit(attempt=attempt, answers=[], now=now)
        except AlreadySubmittedError:
            continue
        closed += 1
    return closed
