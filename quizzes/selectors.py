"""Reads of the quizzes: what a citizen may play, their attempts, a staff member's bank and quizzes,
and the pass rates per question and per community."""

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Role, User
from core.errors import ForbiddenError
from quizzes.audience import grid_with_ancestor_ids, home_grid_id
from quizzes.errors import AttemptNotFoundError, QuestionNotFoundError, QuizNotFoundError
from quizzes.models import Attempt, AttemptQuestion, Question, Quiz, QuizStatus
from tasks_app.models import TeamMembership


def quizzes_for_user(*, user: User) -> QuerySet[Quiz]:
    """Published quizzes for everyone, for a grid that holds the citizen's home community, or for a
    team they are a member of."""
    grids = grid_with_ancestor_ids(grid_id=home_grid_id(user=user))
    teams = TeamMembership.objects.filter(user=user).values("team_id")
    return (
        Quiz.objects.filter(status=QuizStatus.PUBLISHED)
        .filter(Q(grid__isnull=True, team__isnull=True) | Q(grid_id__in=grids) | Q(team_id__in=teams))
        .select_related("agency", "prize_reward", "prize_pickup_point")
        .order_by("-published_at", "-id")
    )


def quiz_get_for_player(*, user: User, quiz_id: int) -> Quiz:
    """A published quiz this user may play. Raises QuizNotFoundError (also when it is not for them)."""
    quiz = quizzes_for_user(user=user).filter(pk=quiz_id).first()
    if quiz is None:
        raise QuizNotFoundError(quiz_id=quiz_id)
    return quiz


def attempt_get_for_user(*, user: User, attempt_id: int) -> Attempt:
    """One of the citizen's own attempts. Raises AttemptNotFoundError (another citizen's too)."""
    attempt = Attempt.objects.select_related("quiz").filter(pk=attempt_id, user=user).first()
    if attempt is None:
        raise AttemptNotFoundError(attempt_id=attempt_id)
    return attempt


def attempt_items(*, attempt: Attempt) -> QuerySet[AttemptQuestion]:
    """The attempt's questions in order, with their choices (never their correctness, to the caller's care)."""
    return attempt.items.select_related("question").prefetch_related("question__choices").order_by("position")


def attempts_count(*, quiz: Quiz, user: User) -> int:
    return Attempt.objects.filter(quiz=quiz, user=user).count()


def staff_agency_ids(*, user: User) -> list[int]:
    """The agencies whose quizzes this user keeps. Raises ForbiddenError for anyone but agency staff."""
    if not user.has_role(Role.AGENCY_STAFF):
        raise ForbiddenError(_("Only agency staff keep quizzes."))
    return list(user.agency_memberships.values_list("agency_id", flat=True).order_by("agency_id"))


def questions_for_staff(*, user: User, tag: str | None = None) -> QuerySet[Question]:
    """The question banks of the user's agencies, by tag."""
    questions = Question.objects.filter(agency_id__in=staff_agency_ids(user=user)).prefetch_related("choices")
    return questions.filter(tag=tag) if tag else questions


def question_get_for_staff(*, user: User, question_id: int) -> Question:
    question = questions_for_staff(user=user).filter(pk=question_id).first()
    if question is None:
        raise QuestionNotFoundError(question_id=question_id)
    return question


def quizzes_for_staff(*, user: User) -> QuerySet[Quiz]:
    """Every quiz of the user's agencies, drafts included, newest first."""
    return (
        Quiz.objects.filter(agency_id__in=staff_agency_ids(user=user))
        .select_related("agency", "grid", "prize_reward", "prize_pickup_point")
        .order_by("-id")
    )


def quiz_get_for_staff(*, user: User, quiz_id: int) -> Quiz:
    quiz = quizzes_for_staff(user=user).filter(pk=quiz_id).first()
    if quiz is None:
        raise QuizNotFoundError(quiz_id=quiz_id)
    return quiz


def bank_tags(*, agency_ids: list[int]) -> list[dict[str, Any]]:
    """The tags of these banks with how many active questions each has."""
    return list(
        Question.objects.filter(agency_id__in=agency_ids, is_active=True)
        .values("tag")
        .annotate(count=Count("id"))
        .order_by("tag")
    )


def question_pass_rates(*, quiz: Quiz) -> list[dict[str, Any]]:
    """Per question drawn in this quiz's submitted attempts: answered, right, and the share right;
    the questions people fail most first (the scams they would fall for)."""
    rows = (
        AttemptQuestion.objects.filter(attempt__quiz=quiz, attempt__submitted_at__isnull=False)
        .values("question_id", "question__text", "question__text_en", "question__tag")
        .annotate(shown=Count("id"), right=Count("id", filter=Q(correct=True)))
    )
    rates = [
        {
            "question_id": row["question_id"],
            "text": row["question__text"],
            "text_en": row["question__text_en"],
            "tag": row["question__tag"],
            "shown": row["shown"],
            "right": row["right"],
            "rate": row["right"] / row["shown"] if row["shown"] else 0.0,
        }
        for row in rows
    ]
    return sorted(rates, key=lambda r: (r["rate"], -r["shown"], r["question_id"]))


def community_pass_rates(*, quiz: Quiz) -> list[dict[str, Any]]:
    """Per home community of the players: submitted attempts, passes and the pass rate, lowest first.
    Players without a known community are one row with grid None."""
    rows = (
        Attempt.objects.filter(quiz=quiz, submitted_at__isnull=False)
        .values("grid_id", "grid__name")
        .annotate(attempts=Count("id"), passed=Count("id", filter=Q(passed=True)))
    )
    rates = [
        {
            "grid_id": row["grid_id"],
            "grid": row["grid__name"],
            "attempts": row["attempts"],
            "passed": row["passed"],
            "rate": row["passed"] / row["attempts"] if row["attempts"] else 0.0,
        }
        for row in rows
    ]
    return sorted(rates, key=lambda r: (r["rate"], r["grid"] or ""))


def quiz_summary(*, quiz: Quiz) -> dict[str, int]:
    """Submitted attempts, passes, full marks and passes paid of one quiz."""
    attempts = Attempt.objects.filter(quiz=quiz, submitted_at__isnull=False)
    return attempts.aggregate(
        attempts=Count("id"),
        passed=Count("id", filter=Q(passed=True)),
        full=Count("id", filter=Q(score=quiz.max_score)),
        players=Count("user", distinct=True),
    ) | {"paid": quiz.passes_paid}


def quiz_passed_by(*, quiz: Quiz, user: User) -> bool:
    return Attempt.objects.filter(quiz=quiz, user=user, passed=True).exists()


def quizzes_with_my_state(*, user: User) -> QuerySet[Quiz]:
    """quizzes_for_user, annotated with whether this user passed each one."""
    return quizzes_for_user(user=user).annotate(
        my_passed=Exists(Attempt.objects.filter(quiz=OuterRef("pk"), user=user, passed=True))
    )
