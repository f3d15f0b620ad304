"""Anti-fraud quizzes: an agency's question bank, the quizzes it assembles and publishes, and the
citizens' attempts.

A quiz draws `question_count` questions at random from its tags for each attempt; the answers never
leave the server before a question is answered. Points for a pass come from the agency's escrow
(funded at publishing, paid_places × points, as tasks fund theirs), paid once per quiz and citizen
(QuizPass, unique); full marks reserve the quiz's prize at its pickup point (the shop's order at
price 0, once per quiz and citizen through the order's request key).
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


def _in_language(zh: str, en: str) -> str:
    """The English text when the page speaks English and one is given, else the Chinese."""
    if en and (get_language() or "").startswith("en"):
        return en
    return zh


class Question(TimeStampedModel):
    """One question of an agency's bank: single or multiple choice, with why the answer is right."""

    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="quiz_questions", verbose_name=_("agency")
    )
    tag = models.CharField(_("tag"), max_length=60, help_text=_("The scam it teaches, e.g. 冒充客服"))
    text = models.CharField(_("question"), max_length=500)
    text_en = models.CharField(_("question (English)"), max_length=500, blank=True)
    multiple = models.BooleanField(_("multiple choice"), default=False)
    explanation = models.TextField(_("explanation"), max_length=2000)
    explanation_en = models.TextField(_("explanation (English)"), max_length=2000, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["agency", "tag", "id"]
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")
        indexes = [models.Index(fields=["agency", "tag"], name="quiz_question_bank_idx")]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def shown_text(self) -> str:
        return _in_language(self.text, self.text_en)

    @property
    def shown_explanation(self) -> str:
        return _in_language(self.explanation, self.explanation_en)


class Choice(TimeStampedModel):
    """One answer a question offers; `correct` never leaves the server before the question is answered."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("choice"), max_length=300)
    text_en = models.CharField(_("choice (English)"), max_length=300, blank=True)
    correct = models.BooleanField(_("correct"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["question", "position", "id"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def shown_text(self) -> str:
        return _in_language(self.text, self.text_en)


class QuizStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("quiz status", "Draft")
    PUBLISHED = "published", pgettext_lazy("quiz status", "Published")
    CLOSED = "closed", pgettext_lazy("quiz status", "Closed")


class Quiz(TimeStampedModel):
    """A quiz an agency publishes to everyone, to one grid (and the grids inside it) or to one of its teams."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="quizzes")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120, blank=True)
    tags = ArrayField(models.CharField(max_length=60), verbose_name=_("tags"))
    question_count = models.PositiveSmallIntegerField(_("questions per attempt"))
    points_per_question = models.PositiveSmallIntegerField(_("marks per question"), default=20)
    pass_score = models.PositiveIntegerField(_("pass score"))
    time_limit_s = models.PositiveIntegerField(_("time limit (seconds)"))
    points = models.PositiveIntegerField(_("points for a pass"), default=0)
    paid_places = models.PositiveIntegerField(_("passes paid"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("attempts per citizen"), default=3)
    grid = models.ForeignKey(
        "accounts.Grid", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("audience")
    )
    team = models.ForeignKey(  # a team of the quiz's agency: only its members see and play the quiz
        "tasks_app.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("team")
    )
    prize_reward = models.ForeignKey(
        "rewards.Reward", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("prize")
    )
    prize_pickup_point = models.ForeignKey(
        "accounts.PickupPoint", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=QuizStatus.choices, default=QuizStatus.DRAFT)
    escrow_points = models.BigIntegerField(default=0)  # mirror of what the agency's escrow holds for it
    passes_paid = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        constraints = [
            models.CheckConstraint(condition=Q(escrow_points__gte=0), name="quiz_escrow_not_negative"),
            models.CheckConstraint(condition=Q(question_count__gte=1), name="quiz_has_questions"),
            models.CheckConstraint(condition=Q(passes_paid__lte=models.F("paid_places")), name="quiz_paid_in_places"),
            models.CheckConstraint(condition=Q(grid__isnull=True) | Q(team__isnull=True), name="quiz_one_audience"),
            models.CheckConstraint(
                condition=Q(prize_reward__isnull=True) | Q(prize_pickup_point__isnull=False),
                name="quiz_prize_has_pickup_point",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def shown_title(self) -> str:
        return _in_language(self.title, self.title_en)

    @property
    def max_score(self) -> int:
        return self.question_count * self.points_per_question


class Attempt(TimeStampedModel):
    """One play of a quiz by a citizen: its drawn questions, their answers and, once submitted, the score."""

    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quiz_attempts")
    grid = models.ForeignKey(  # the citizen's home community when they started: pass rates per community
        "accounts.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveIntegerField(null=True, blank=True)
    max_score = models.PositiveIntegerField()
    passed = models.BooleanField(null=True, blank=True)
    points_awarded = models.PositiveIntegerField(default=0)
    prize = models.ForeignKey("rewards.Redemption", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["quiz", "user"], name="quiz_attempt_user_idx"),
            models.Index(fields=["expires_at"], condition=Q(submitted_at__isnull=True), name="quiz_attempt_open_idx"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.pk} of quiz {self.quiz_id}"


class AttemptQuestion(TimeStampedModel):
    """A question drawn for an attempt, at its position, with the answer given (once) and whether it was right."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    choice_ids = ArrayField(models.BigIntegerField(), null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    correct = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="quiz_attempt_question_once"),
            models.UniqueConstraint(fields=["attempt", "position"], name="quiz_attempt_position_once"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}#{self.position}"


class QuizPass(TimeStampedModel):
    """A citizen's first pass of a quiz: at most one per quiz and citizen, whatever races or replays."""

    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="passes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    attempt = models.OneToOneField(Attempt, on_delete=models.PROTECT, related_name="+")
    points = models.PositiveIntegerField(default=0)
    transaction = models.ForeignKey(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["quiz", "id"]
        constraints = [models.UniqueConstraint(fields=["quiz", "user"], name="quiz_pass_once")]

    def __str__(self) -> str:
        return f"{self.user_id} passed {self.quiz_id}"
