"""The demo anti-fraud quiz at phone size: a citizen plays it to full marks, one question a screen
with the explanation after each answer, and sees the points and the prize reserved."""

import pytest
from playwright.sync_api import expect

from accounts import demo as accounts_demo
from accounts.demo import DEMO_PASSWORD
from ledger import demo as ledger_demo
from ledger import selectors as ledger_selectors
from quizzes import demo as quizzes_demo
from quizzes import services as quiz_services
from quizzes.models import Attempt, Question
from rewards import demo as rewards_demo
from rewards.models import Redemption
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _demo() -> dict:
    ctx: dict = {}
    for module in (accounts_demo, ledger_demo, rewards_demo, quizzes_demo):
        module.seed(ctx)
    return ctx


def test_citizen_plays_the_demo_quiz_to_full_marks_and_sees_the_prize_reserved(new_page) -> None:
    # given the demo data: the published quiz 防范电信网络诈骗大闯关 and the demo citizen
    ctx = _demo()
    quiz, citizen = ctx["quiz"], ctx["citizen"]
    wallet_before = ledger_selectors.citizen_wallet(user=citizen)["available"]
    page = new_page(locale="zh-CN")
    browser_login(page, citizen.email, DEMO_PASSWORD)

    # when the citizen opens the quizzes and starts the demo quiz
    page.goto("/quizzes/")
    expect(page.get_by_test_id(f"quiz-{quiz.pk}")).to_contain_text("防范电信网络诈骗大闯关")
    screenshot(page, "quizzes-list-phone")
    page.get_by_test_id(f"quiz-open-{quiz.pk}").click()
    page.get_by_test_id("quiz-start").click()

    # then each question comes alone, without its answer; the citizen picks the right choices and
    # only after answering sees the verdict and the explanation
    for n in range(quiz.question_count):
        expect(page.get_by_test_id("quiz-progress")).to_have_text(f"第 {n + 1} 题，共 {quiz.question_count} 题")
        expect(page.get_by_test_id("quiz-feedback")).to_be_hidden()
        expect(page.get_by_test_id("quiz-next")).to_be_hidden()
        question = Question.objects.get(text=page.get_by_test_id("quiz-text").inner_text())
        for choice in question.choices.filter(correct=True):
            page.get_by_test_id(f"quiz-choice-{choice.pk}").check()
        page.get_by_test_id("quiz-answer").click()
        expect(page.get_by_test_id("quiz-verdict")).to_have_text("答对了！")
        expect(page.get_by_test_id("quiz-explanation")).to_have_text(question.explanation)
        if n == 0:
            screenshot(page, "quizzes-explanation-phone")
        page.get_by_test_id("quiz-next").click()

    # then the result: full marks, the points for a pass, and the prize reserved with its pickup code
    expect(page.get_by_test_id("quiz-score")).to_have_text("100 分（满分 100）")
    expect(page.get_by_test_id("quiz-points")).to_have_text("+20 福币已存入您的钱包")
    order = Redemption.objects.get(user=citizen, request_key=f"quiz:{quiz.pk}:prize")
    expect(page.get_by_test_id("quiz-prize-code")).to_have_text(order.code)
    expect(page.get_by_test_id("quiz-prize")).to_contain_text(ctx["reward_physical"].name)
    expect(page.get_by_test_id("quiz-prize")).to_contain_text(ctx["pickup_point"].name)
    screenshot(page, "quizzes-result-phone")
    attempt = Attempt.objects.get(user=citizen)
    assert (attempt.score, attempt.passed, attempt.points_awarded, attempt.prize_id) == (100, True, 20, order.pk)
    assert (order.status, order.points) == ("reserved", 0)
    assert ledger_selectors.citizen_wallet(user=citizen)["available"] == wallet_before + 20


def test_the_quiz_pages_speak_english(new_page) -> None:
    # given the demo quiz and a citizen whose browser asks for English
    ctx = _demo()
    page = new_page(locale="en-US")
    browser_login(page, ctx["citizen"].email, DEMO_PASSWORD)

    # when they open the quizzes and one quiz
    page.goto("/quizzes/")
    expect(page.get_by_test_id(f"quiz-{ctx['quiz'].pk}")).to_contain_text("Beat the phone and internet scams")
    page.get_by_test_id(f"quiz-open-{ctx['quiz'].pk}").click()
    page.get_by_test_id("quiz-start").click()

    # then the question is in English too
    expect(page.get_by_test_id("quiz-progress")).to_have_text("Question 1 of 5")
    text = page.get_by_test_id("quiz-text").inner_text()
    assert Question.objects.filter(text_en=text).exists()
    screenshot(page, "quizzes-question-phone-en")


DESKTOP = {"width": 1440, "height": 900}


def test_staff_see_the_bank_the_quizzes_and_the_questions_people_fail(new_page) -> None:
    # given the demo quiz, played once by the demo citizen with every answer wrong
    ctx = _demo()
    quiz = ctx["quiz"]
    attempt = quiz_services.attempt_start(quiz=quiz, user=ctx["citizen"])
    answers = [
        {
            "question_id": item.question_id,
            "choice_ids": [c.pk for c in item.question.choices.all() if not c.correct][:1],
        }
        for item in attempt.items.select_related("question")
    ]
    quiz_services.attempt_submit(attempt=attempt, answers=answers)
    page = new_page(locale="zh-CN", viewport=DESKTOP)
    browser_login(page, "agency@example.com", DEMO_PASSWORD)

    # when the station's staff open the quizzes, the bank and the quiz's figures
    page.goto("/staff/quizzes/")
    expect(page.get_by_test_id(f"staff-quiz-{quiz.pk}")).to_contain_text("已发布")
    screenshot(page, "quizzes-staff-list-desktop")
    page.get_by_test_id("bank-link").click()
    expect(page.get_by_test_id("bank").locator("tbody tr")).to_have_count(6)
    screenshot(page, "quizzes-staff-bank-desktop")
    page.goto(f"/staff/quizzes/{quiz.pk}/")

    # then every drawn question shows 0% right, and the summary counts one player who failed
    expect(page.get_by_test_id("summary-players")).to_have_text("1")
    expect(page.get_by_test_id("summary-passed")).to_have_text("0")
    expect(page.get_by_test_id("question-rates").get_by_test_id("rate")).to_have_text(["0%"] * 5)
    screenshot(page, "quizzes-staff-rates-desktop")
