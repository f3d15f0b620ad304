"""The quizzes API (docs/api.md, quizzes): citizens list, start, answer and submit; agency staff keep the
question bank and the quizzes, and read pass rates."""

from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from accounts.selectors import agency_get_for_staff
from core.pagination import PageParams, paginate
from quizzes import selectors, services
from quizzes.schemas import (
    AnswerIn,
    AnswersIn,
    AttemptOut,
    QuestionIn,
    QuizIn,
    QuizListOut,
    QuizStatsOut,
    ResultItemOut,
    ScoreOut,
    StaffQuestionListOut,
    StaffQuestionOut,
    StaffQuizListOut,
    StaffQuizOut,
    attempt_out,
    result_item,
    score_out,
)

router = Router(tags=["quizzes"])


@router.get("/quizzes", response=QuizListOut)
def quiz_list_api(request: HttpRequest, page: Query[PageParams]) -> dict:
    """Published quizzes for me: for everyone, or for a grid holding my home community."""
    return paginate(selectors.quizzes_for_user(user=request.auth), limit=page.limit, offset=page.offset)


@router.post("/quizzes/{quiz_id}/attempts", response={201: AttemptOut})
def attempt_start_api(request: HttpRequest, quiz_id: int) -> Status:
    """Start an attempt: the drawn questions and their choices, never their answers."""
    quiz = selectors.quiz_get_for_player(user=request.auth, quiz_id=quiz_id)
    attempt = services.attempt_start(quiz=quiz, user=request.auth)
    return Status(201, attempt_out(attempt, list(selectors.attempt_items(attempt=attempt))))


@router.get("/attempts/{attempt_id}", response=AttemptOut)
def attempt_get_api(request: HttpRequest, attempt_id: int) -> dict:
    """One of my attempts, to resume it: its questions without answers."""
    attempt = selectors.attempt_get_for_user(user=request.auth, attempt_id=attempt_id)
    return attempt_out(attempt, list(selectors.attempt_items(attempt=attempt)))


@router.post("/attempts/{attempt_id}/responses", response=ResultItemOut)
def attempt_answer_api(request: HttpRequest, attempt_id: int, payload: AnswerIn) -> dict:
    """Answer one question, once: whether it was right, the right choices and the explanation
    (409 already_answered, attempt_expired, already_submitted)."""
    attempt = selectors.attempt_get_for_user(user=request.auth, attempt_id=attempt_id)
    item = services.attempt_answer(attempt=attempt, question_id=payload.question_id, choice_ids=payload.choice_ids)
    return result_item(item)


@router.post("/attempts/{attempt_id}/answers", response=ScoreOut)
def attempt_submit_api(request: HttpRequest, attempt_id: int, payload: AnswersIn) -> dict:
    """Submit an attempt: scored on the server, a pass paid once per quiz (409 already_submitted)."""
    attempt = selectors.attempt_get_for_user(user=request.auth, attempt_id=attempt_id)
    answers = [answer.dict() for answer in payload.answers]
    attempt = services.attempt_submit(attempt=attempt, answers=answers)
    return score_out(attempt, list(selectors.attempt_items(attempt=attempt)))


# --- agency staff ---------------------------------------------------------------------------------


@router.get("/agency/quiz-questions", response=StaffQuestionListOut)
def question_list_api(request: HttpRequest, page: Query[PageParams], tag: str | None = None) -> dict:
    """The question banks of my agencies."""
    return paginate(selectors.questions_for_staff(user=request.auth, tag=tag), limit=page.limit, offset=page.offset)


@router.post("/agency/quiz-questions", response={201: StaffQuestionOut})
def question_create_api(request: HttpRequest, payload: QuestionIn) -> Status:
    """Add a question with its choices and explanation to my agency's bank."""
    selectors.staff_agency_ids(user=request.auth)
    agency = agency_get_for_staff(user=request.auth, agency_id=payload.agency_id)
    fields = payload.dict(exclude={"agency_id", "choices"})
    choices = [choice.dict() for choice in payload.choices]
    question = services.question_create(agency=agency, fields=fields, choices=choices)
    return Status(201, selectors.question_get_for_staff(user=request.auth, question_id=question.pk))


@router.get("/agency/quizzes", response=StaffQuizListOut)
def staff_quiz_list_api(request: HttpRequest, page: Query[PageParams]) -> dict:
    """Every quiz of my agencies, drafts included."""
    return paginate(selectors.quizzes_for_staff(user=request.auth), limit=page.limit, offset=page.offset)


@router.post("/agency/quizzes", response={201: StaffQuizOut})
def quiz_create_api(request: HttpRequest, payload: QuizIn) -> Status:
    """Assemble a draft quiz: how many questions from which tags, time, pass score, points and prize."""
    selectors.staff_agency_ids(user=request.auth)
    agency = agency_get_for_staff(user=request.auth, agency_id=payload.agency_id)
    quiz = services.quiz_create(agency=agency, actor=request.auth, fields=payload.dict(exclude={"agency_id"}))
    return Status(201, quiz)


@router.post("/agency/quizzes/{quiz_id}/publish", response=StaffQuizOut)
def quiz_publish_api(request: HttpRequest, quiz_id: int) -> object:
    """Publish a draft: its points for passes go into escrow (409 insufficient_funds, not_enough_questions)."""
    quiz = selectors.quiz_get_for_staff(user=request.auth, quiz_id=quiz_id)
    return services.quiz_publish(quiz=quiz, actor=request.auth)


@router.post("/agency/quizzes/{quiz_id}/close", response=StaffQuizOut)
def quiz_close_api(request: HttpRequest, quiz_id: int) -> object:
    """Close a published quiz: what its escrow still holds goes back to the budget."""
    quiz = selectors.quiz_get_for_staff(user=request.auth, quiz_id=quiz_id)
    return services.quiz_close(quiz=quiz, actor=request.auth)


@router.get("/agency/quizzes/{quiz_id}/stats", response=QuizStatsOut)
def quiz_stats_api(request: HttpRequest, quiz_id: int) -> dict:
    """Pass rates per question (the most failed first) and per community."""
    quiz = selectors.quiz_get_for_staff(user=request.auth, quiz_id=quiz_id)
    return {
        **selectors.quiz_summary(quiz=quiz),
        "questions": selectors.question_pass_rates(quiz=quiz),
        "communities": selectors.community_pass_rates(quiz=quiz),
    }
