"""The pages: anonymous visitors see leaderboards and the safety index; the inbox, badges and
settings are a citizen's own; /me shows level, badges and streak; the demo seed is idempotent."""

import pytest
from django.test import Client

from core.events import publish
from engagement import safety_index, selectors, services
from engagement.models import EngagementProfile, Notification, UserBadge
from engagement.tests.conftest import earn, paid_task, verified_tip
from tips.models import Tip

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_visitors_see_leaderboard_and_safety_index(world, make_user) -> None:
    citizen = make_user()
    services.profile_update(user=citizen, nickname="Dawn", leaderboard_opt_in=True)
    earn(world, citizen, 150)
    client = Client()
    page = client.get("/leaderboard/?period=all")
    assert page.status_code == 200
    assert "Dawn" in page.content.decode()
    assert client.get("/leaderboard/?scope=community").status_code == 200
    assert client.get("/leaderboard/?period=nonsense&scope=nonsense").status_code == 200
    assert client.get("/safety-index/?period=year").status_code == 200
    assert client.get("/safety-index/?period=nonsense").status_code == 200


def test_private_pages_need_login(db) -> None:
    for path in ("/inbox/", "/me/badges/", "/me/settings/"):
        response = Client().get(path)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_settings_page_saves_choices_and_refuses_a_taken_nickname(world, make_user) -> None:
    first, second = make_user(), make_user()
    services.profile_update(user=first, nickname="Lantern")
    client = logged_in(second)
    response = client.post(
        "/me/settings/", {"nickname": "lantern", "leaderboard_opt_in": "on", "home_grid": world["east"].pk}
    )
    assert response.status_code == 200
    assert not EngagementProfile.objects.filter(user=second, leaderboard_opt_in=True).exists()
    response = client.post(
        "/me/settings/",
        {"nickname": "Beacon", "leaderboard_opt_in": "on", "email_opt_in": "on", "home_grid": world["east"].pk},
    )
    assert response.status_code == 302
    profile = EngagementProfile.objects.get(user=second)
    assert (profile.nickname, profile.leaderboard_opt_in, profile.email_opt_in) == ("Beacon", True, True)
    assert (profile.home_grid_id, profile.home_grid_chosen) == (world["east"].pk, True)


def test_inbox_page_marks_read(world, make_user) -> None:
    citizen = make_user(preferred_language="en")
    tip = verified_tip(world, citizen, verify=False)
    publish("tip.status_changed", user=citizen, obj=tip, status="accepted")
    client = logged_in(citizen)
    page = client.get("/inbox/").content.decode()
    assert tip.reference in page
    note = Notification.objects.get(user=citizen)
    assert client.post("/inbox/read/", {"id": note.pk}).status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None


def test_me_page_and_api_show_level_badges_and_streak(world, make_user, api_as) -> None:
    citizen = make_user(preferred_language="en")
    paid_task(world, citizen, category="night_patrol", points=120)
    services.engagement_refresh(user=citizen)
    body = api_as(citizen).get("/me").json()
    assert body["level"] == 2
    assert body["badges"] == ["first_patrol"]
    assert body["streak_days"] == 1
    page = logged_in(citizen).get("/me/").content.decode()
    assert "Lv 2" in page
    assert "🔦" in page
    badges = logged_in(citizen).get("/me/badges/").content.decode()
    assert 'data-testid="badge-first_patrol"' in badges
    profile = api_as(citizen).get("/engagement/profile").json()
    assert [b["code"] for b in profile["badges"] if b["earned"]] == ["first_patrol"]
    assert profile["points_earned"] == 120


def test_demo_seed_is_idempotent(db) -> None:
    from accounts import demo as accounts_demo
    from engagement import demo
    from ledger import demo as ledger_demo

    ctx: dict = {}
    accounts_demo.seed(ctx)
    ledger_demo.seed(ctx)
    demo.seed(ctx)
    first = (
        EngagementProfile.objects.count(),
        UserBadge.objects.count(),
        Notification.objects.count(),
        Tip.objects.count(),
    )
    demo.seed(ctx)
    assert (
        EngagementProfile.objects.count(),
        UserBadge.objects.count(),
        Notification.objects.count(),
        Tip.objects.count(),
    ) == first
    assert selectors.leaderboard(period="all")[0]["display_name"] == demo.NICKNAME
    assert len(safety_index.safety_index()["heat"]) == 2
