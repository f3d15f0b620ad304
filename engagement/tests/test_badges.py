"""Each badge rule, awarded from real activity made through the tasks and tips services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from engagement import rules, services
from engagement.models import Notification, UserBadge
from engagement.tests.conftest import earn, paid_task, shanghai, verified_tip

pytestmark = pytest.mark.django_db


def badges(user) -> set[str]:
    return set(UserBadge.objects.filter(user=user).values_list("badge", flat=True))


def evaluated(user) -> set[str]:
    """The badges the user holds once their rules are evaluated now."""
    services.badges_evaluate(user=user)
    return badges(user)


def test_first_patrol_is_awarded_once_with_one_notification(world, make_user) -> None:
    citizen = make_user()
    paid_task(world, citizen, category="traffic_guidance")
    assert services.badges_evaluate(user=citizen) == []
    paid_task(world, citizen, category="night_patrol")
    assert services.badges_evaluate(user=citizen) == ["first_patrol"]
    # when evaluated again
    assert services.badges_evaluate(user=citizen) == []
    # then one badge row and one notification
    assert UserBadge.objects.filter(user=citizen, badge="first_patrol").count() == 1
    assert Notification.objects.filter(user=citizen, kind="badge", cause__endswith=":first_patrol").count() == 1


def test_ten_tasks_needs_ten_paid_tasks(world, make_user, settings) -> None:
    settings.FUBI_MAX_CLAIMS_PER_DAY = 0  # ten tasks in one day: the daily claim limit is not what this is about
    citizen = make_user()
    for _ in range(9):
        paid_task(world, citizen, category="safety_publicity")
    assert evaluated(citizen) == set()
    paid_task(world, citizen, category="safety_publicity")
    assert evaluated(citizen) == {"ten_tasks"}


def test_night_owl_for_a_task_whose_window_is_at_night_in_shanghai(world, make_user) -> None:
    citizen, day_worker = make_user(), make_user()
    tomorrow = timezone.now().astimezone(rules.CITY_TZ).date() + timedelta(days=1)
    night = shanghai(tomorrow.year, tomorrow.month, tomorrow.day, 22, 0)
    evening = shanghai(tomorrow.year, tomorrow.month, tomorrow.day, 18, 0)
    paid_task(world, citizen, category="traffic_guidance", starts_at=night, hours=1.5)
    paid_task(world, day_worker, category="traffic_guidance", starts_at=evening, hours=2)
    assert (evaluated(citizen), evaluated(day_worker)) == ({"night_owl"}, set())


def test_first_verified_tip_not_for_a_tip_only_submitted(world, make_user) -> None:
    citizen = make_user()
    verified_tip(world, citizen, verify=False)
    assert evaluated(citizen) == set()
    verified_tip(world, citizen)
    assert evaluated(citizen) == {"first_verified_tip"}


def test_sharp_eye_after_five_verified_tips(world, make_user) -> None:
    citizen = make_user()
    for _ in range(rules.SHARP_EYE_TIPS - 1):
        verified_tip(world, citizen, category="urban_management")
    assert evaluated(citizen) == {"first_verified_tip"}
    verified_tip(world, citizen, category="urban_management")
    assert evaluated(citizen) == {"first_verified_tip", "sharp_eye"}


def test_elder_care_helper_counts_only_elder_care_tasks(world, make_user) -> None:
    citizen = make_user()
    for _ in range(rules.ELDER_CARE_BADGE_TASKS - 1):
        paid_task(world, citizen, category="elder_care")
    paid_task(world, citizen, category="event_stewarding")
    assert evaluated(citizen) == set()
    paid_task(world, citizen, category="elder_care")
    assert evaluated(citizen) == {"elder_care_helper"}


def test_four_week_streak_from_earnings_in_four_consecutive_shanghai_weeks(world, make_user) -> None:
    citizen, gappy = make_user(), make_user()
    start = shanghai(2026, 9, 6, 23, 30)  # a Sunday night
    for week in range(4):
        earn(world, citizen, 50, at=start + timedelta(weeks=week))
    for week in (0, 1, 3, 4):
        earn(world, gappy, 50, at=start + timedelta(weeks=week))
    assert (evaluated(citizen), evaluated(gappy)) == ({"four_week_streak"}, set())


def test_unpaid_and_rejected_claims_earn_no_badge(world, make_user) -> None:
    from tasks_app import services as task_services

    citizen = make_user()
    task = task_services.task_publish(
        task=task_services.task_create(
            agency=world["police"],
            created_by=world["staff"],
            title="Patrol",
            category="night_patrol",
            lat=26.07,
            lon=119.25,
            starts_at=timezone.now() - timedelta(minutes=5),
            ends_at=timezone.now() + timedelta(hours=1),
            headcount=1,
            points=100,
        ),
        user=world["staff"],
    )
    claim = task_services.claim_create(task=task, user=citizen)
    task_services.claim_reject(claim=claim, user=world["staff"], reason="not seen")
    assert services.badges_evaluate(user=citizen) == []
