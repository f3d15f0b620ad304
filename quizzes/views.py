"""Pages of the quizzes: the list and the game at phone size for citizens (the game talks to the
API: one question a screen, the explanation after each answer), and the staff's bank, editor and
pass rates at desktop size."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Agency
from core.errors import DomainError, ForbiddenError
from quizzes import selectors, services
from quizzes.errors import QuizNotFoundError
from quizzes.forms import QuestionForm, QuizForm


def _play_strings() -> dict[str, str]:
    """What the game's script shows, translated here ({n}, {total}, … are filled in by the script)."""
    return {
        "progress": _("Question {n} of {total}"),
        "time_left": _("Time left {time}"),
        "time_up": _("Time is up"),
        "answer": _("Check my answer"),
        "next": _("Next question"),
        "finish": _("See my score"),
        "right": _("Right!"),
        "wrong": _("Not quite."),
        "right_answer": _("The right answer: {answer}"),
        "pick_one": _("Choose one answer."),
        "pick_some": _("Choose every right answer."),
        "score": _("{score} of {max} points"),
        "passed": _("Passed"),
        "failed": _("Not passed this time"),
        "points": _("+{points} FZB added to your wallet"),
        "no_points": _("No points this time: this quiz paid you already, or its points have run out."),
        "prize": _("Full marks! Your prize is reserved: {reward}"),
        "prize_where": _("Pick it up at {point}, {address}, by {until}, with this code:"),
        "no_prize": _("Full marks! The prize has run out, sorry."),
        "error": _("Something went wrong: {message}"),
    }


@login_required
def quiz_list_page(request: HttpRequest) -> HttpResponse:
    """The quizzes open to me, with whether I passed each one."""
    quizzes = list(selectors.quizzes_with_my_state(user=request.user))
    return render(request, "quizzes/list.html", {"quizzes": quizzes})


@login_required
def quiz_play_page(request: HttpRequest, quiz_id: int) -> HttpResponse:
    """One quiz: its rules, then the game (static/js/quizzes-play.js) and the result."""
    try:
        quiz = selectors.quiz_get_for_player(user=request.user, quiz_id=quiz_id)
    except QuizNotFoundError as error:
        raise Http404(str(error.message)) from error
    used = selectors.attempts_count(quiz=quiz, user=request.user)
    return render(
        request,
        "quizzes/play.html",
        {"quiz": quiz, "attempts_left": max(0, quiz.max_attempts - used), "strings": _play_strings()},
    )


# --- staff (desktop) -----------------------------------------------------------------------------------


def _staff_agencies(request: HttpRequest) -> list[Agency]:
    """The agencies whose quizzes the user keeps; ForbiddenError for anyone but agency staff."""
    return list(Agency.objects.filter(pk__in=selectors.staff_agency_ids(user=request.user)).order_by("name"))


def _form_error(form: forms.Form, error: DomainError) -> None:
    field = error.details.get("field")
    form.add_error(field if field in form.fields else None, str(error.message))


@login_required
def staff_quiz_list_page(request: HttpRequest) -> HttpResponse:
    """The agency's quizzes with publish and close, and the editor that assembles a new one."""
    try:
        agencies = _staff_agencies(request)
    except ForbiddenError:
        return render(request, "quizzes/forbidden.html", status=403)
    tags = [row["tag"] for row in selectors.bank_tags(agency_ids=[a.pk for a in agencies])]
    form = QuizForm(request.POST or None, agencies=agencies, tags=tags)
    if request.method == "POST" and form.is_valid():
        agency = next(a for a in agencies if a.pk == form.cleaned_data["agency"])
        try:
            with transaction.atomic():  # a quiz that cannot be published is not kept either
                quiz = services.quiz_create(agency=agency, actor=request.user, fields=form.fields_for_service())
                if form.cleaned_data["publish"]:
                    services.quiz_publish(quiz=quiz, actor=request.user)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Quiz saved."))
            return redirect("quizzes:staff_detail", quiz_id=quiz.pk)
    quizzes = list(selectors.quizzes_for_staff(user=request.user)[:200])
    return render(request, "quizzes/staff_list.html", {"form": form, "quizzes": quizzes, "tags": tags})


@login_required
def staff_question_bank_page(request: HttpRequest) -> HttpResponse:
    """The question bank of the agency, by tag, and the form to add a question."""
    try:
        agencies = _staff_agencies(request)
    except ForbiddenError:
        return render(request, "quizzes/forbidden.html", status=403)
    form = QuestionForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        agency = next(a for a in agencies if a.pk == form.cleaned_data["agency"])
        try:
            services.question_create(agency=agency, fields=form.fields_for_service(), choices=form.choices())
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Question added to the bank."))
            return redirect("quizzes:staff_bank")
    questions = list(selectors.questions_for_staff(user=request.user)[:500])
    return render(request, "quizzes/staff_bank.html", {"form": form, "questions": questions})


def _with_bars(rows: list[dict], width: int = 200) -> list[dict]:
    """Each row's rate as a percentage and a bar width for the page's inline SVG."""
    return [{**row, "percent": round(row["rate"] * 100), "bar": round(row["rate"] * width)} for row in rows]


@login_required
def staff_quiz_detail_page(request: HttpRequest, quiz_id: int) -> HttpResponse:
    """A quiz's figures: pass rates per question (the most failed first) and per community."""
    try:
        quiz = selectors.quiz_get_for_staff(user=request.user, quiz_id=quiz_id)
    except ForbiddenError:
        return render(request, "quizzes/forbidden.html", status=403)
    except DomainError as error:
        raise Http404(str(error.message)) from error
    context = {
        "quiz": quiz,
        "summary": selectors.quiz_summary(quiz=quiz),
        "questions": _with_bars(selectors.question_pass_rates(quiz=quiz)),
        "communities": _with_bars(selectors.community_pass_rates(quiz=quiz)),
    }
    return render(request, "quizzes/staff_detail.html", context)


@login_required
@require_POST
def staff_quiz_action(request: HttpRequest, quiz_id: int, action: str) -> HttpResponse:
    """Publish a draft (its escrow is funded) or close a published quiz (the rest of it returns)."""
    try:
        quiz = selectors.quiz_get_for_staff(user=request.user, quiz_id=quiz_id)
        if action == "publish":
            services.quiz_publish(quiz=quiz, actor=request.user)
        else:
            services.quiz_close(quiz=quiz, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("quizzes:staff_list")
    messages.success(request, _("Done."))
    return redirect("quizzes:staff_detail", quiz_id=quiz.pk)
