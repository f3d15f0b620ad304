"""The prize for full marks is a shop order at price 0: the clerk hands it over, the citizen may give
it back, and none left in stock leaves the score and the points as they are."""

import pytest

from accounts.services import pickup_point_membership_add
from quizzes import services
from quizzes.tests.conftest import assert_books_whole, right_answers, wallet
from rewards import services as rewards_services
from rewards.models import Redemption, RedemptionStatus

pytestmark = pytest.mark.django_db


def _full_marks(quiz, user):
    attempt = services.attempt_start(quiz=quiz, user=user)
    answers = [{"question_id": i.question_id, "choice_ids": right_answers(i.question)} for i in attempt.items.all()]
    return services.attempt_submit(attempt=attempt, answers=answers)


def test_the_clerk_hands_the_prize_over_without_moving_points(citizen, make_user, make_quiz, pickup_point):
    clerk = make_user(display_name="陈店员")
    pickup_point_membership_add(user=clerk, pickup_point=pickup_point)
    attempt = _full_marks(make_quiz(), citizen)

    order = rewards_services.redemption_fulfil(code=attempt.prize.code, clerk=clerk)

    assert (order.status, order.points, order.hold_id) == (RedemptionStatus.FULFILLED, 0, None)
    assert wallet(citizen) == 30
    assert_books_whole()


def test_a_prize_given_back_returns_its_stock_only(citizen, make_quiz, prize):
    attempt = _full_marks(make_quiz(), citizen)

    rewards_services.redemption_cancel(redemption_id=attempt.prize_id, user=citizen)

    prize.refresh_from_db()
    assert prize.stock_left == 10
    assert Redemption.objects.get(pk=attempt.prize_id).status == RedemptionStatus.CANCELLED
    assert wallet(citizen) == 30
    assert_books_whole()


def test_no_prize_left_keeps_the_score_and_the_points(citizen, make_quiz, prize):
    prize.stock_left = 0
    prize.save(update_fields=["stock_left"])

    attempt = _full_marks(make_quiz(), citizen)

    assert (attempt.score, attempt.points_awarded, attempt.prize_id) == (100, 30, None)
    assert not Redemption.objects.filter(user=citizen).exists()
    assert wallet(citizen) == 30
    assert_books_whole()
