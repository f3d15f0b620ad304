"""What the quizzes refuse, with the contract's codes."""

from django.utils.translation import gettext_lazy as _

from core.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError


class QuizNotFoundError(NotFoundError):
    code = "not_found"
    default_message = _("No such quiz.")


class AttemptNotFoundError(NotFoundError):
    code = "not_found"
    default_message = _("No such attempt.")


class QuestionNotFoundError(NotFoundError):
    code = "not_found"
    default_message = _("No such question.")


class AlreadySubmittedError(ConflictError):
    code = "already_submitted"
    default_message = _("This attempt has been submitted already.")


class AlreadyAnsweredError(ConflictError):
    code = "already_answered"
    default_message = _("This question has been answered already.")


class AttemptExpiredError(ConflictError):
    code = "attempt_expired"
    default_message = _("Time is up for this attempt: submit it to see your score.")


class AttemptsExhaustedError(ConflictError):
    code = "attempts_exhausted"
    default_message = _("You have used every attempt at this quiz.")


class QuizNotOpenError(ConflictError):
    code = "quiz_not_open"
    default_message = _("This quiz is not open.")


class InvalidQuizStateError(ConflictError):
    code = "invalid_transition"
    default_message = _("The quiz is not in a state that allows this.")


class NotEnoughQuestionsError(ConflictError):
    code = "not_enough_questions"
    default_message = _("The bank has fewer active questions with these tags than the quiz draws.")


class OwnAgencyQuizError(ForbiddenError):
    code = "own_agency_quiz"
    default_message = _("Staff of the agency that wrote a quiz do not play it for points.")


class NotCitizenError(ForbiddenError):
    code = "forbidden"
    default_message = _("Only citizens play quizzes.")


class InvalidAnswerError(InvalidError):
    code = "invalid"
    default_message = _("The answer names choices the question does not have.")
