"""The nightly refresh job (safe to run twice) and constant query counts on the public reads."""

import pytest
from django.core.management import call_command

from engagement import safety_index, selectors, services
from engagement.models import Notification, UserBadge
from engagement.tasks import engagement_refresh_recent_task
from engagement.tests.conftest import earn, paid_task, verified_tip

pytestmark = pytest.mark.django_db


def test_nightly_job_awards_without_any_event_and_twice_changes_nothing(world, make_user) -> None:
    patroller, idle = make_user(), make_user()
    paid_task(world, patroller, category="night_patrol")
    assert engagement_refresh_recent_task() == 1  # only the active citizen
    awarded = set(UserBadge.objects.values_list("user_id", "badge"))
    assert awarded == {(patroller.pk, "first_patrol")}
    notes = Notification.objects.count()
    assert engagement_refresh_recent_task() == 1
    assert set(UserBadge.objects.values_list("user_id", "badge")) == awarded
    assert Notification.objects.count() == notes
    assert not UserBadge.objects.filter(user=idle).exists()


def test_refresh_command_covers_everyone(world, make_user) -> None:
    citizen = make_user()
    verified_tip(world, citizen)
    call_command("engagement_refresh")
    assert UserBadge.objects.filter(user=citizen, badge="first_verified_tip").exists()


def _board_with(world, make_user, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        user = make_user()
        services.profile_update(user=user, nickname=f"Runner{i:03d}", leaderboard_opt_in=True)
        earn(world, user, 10 + i)


def test_leaderboard_reads_in_a_constant_number_of_queries(
    world, make_user, api_as, django_assert_max_num_queries
) -> None:
    _board_with(world, make_user, 3)
    client = api_as(None)
    with django_assert_max_num_queries(4):
        assert len(client.get("/leaderboard", {"period": "month"}).json()) == 3
    _board_with(world, make_user, 20, start=3)
    with django_assert_max_num_queries(4):
        assert len(client.get("/leaderboard", {"period": "month"}).json()) == 23


def test_safety_index_reads_in_a_constant_number_of_queries(world, make_user, django_assert_max_num_queries) -> None:
    reporter = make_user()
    verified_tip(world, reporter, category="urban_management", verify=False, accept=True)
    with django_assert_max_num_queries(6):
        safety_index.safety_index()
    for _ in range(10):
        verified_tip(world, reporter, category="urban_management", verify=False, accept=True)
    paid_task(world, make_user(), category="elder_care")
    with django_assert_max_num_queries(6):
        assert safety_index.safety_index()["totals"]["reports"] == 12


def test_profile_summary_reads_in_a_constant_number_of_queries(world, make_user, django_assert_max_num_queries) -> None:
    citizen = make_user()
    for _ in range(3):
        paid_task(world, citizen, category="elder_care")
    services.engagement_refresh(user=citizen)
    with django_assert_max_num_queries(8):
        summary = selectors.engagement_summary(user=citizen)
    assert summary["badges"] == ["elder_care_helper"]
