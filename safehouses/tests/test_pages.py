"""The demo safe houses, the SOS page's nearest open safe house, the public page without JavaScript."""

from django.test import Client

from accounts import demo as accounts_demo
from safehouses import demo
from safehouses.models import OpeningHours, SafeHouse
from safehouses.tests.conftest import ORIGIN
from tips import services as tip_services


def test_demo_seed_makes_three_safe_houses_once_one_open_24_hours(db):
    ctx: dict = {}
    accounts_demo.seed(ctx)

    demo.seed(ctx)
    demo.seed(ctx)

    houses = SafeHouse.objects.filter(agency=ctx["agency"])
    assert houses.count() == 3
    assert houses.filter(is_24h=True).count() == 1
    assert OpeningHours.objects.count() == 14  # two houses, every day of the week
    for house in houses:  # all in the demo district, around 26.08, 119.30
        assert abs(house.lat - 26.08) < 0.02
        assert abs(house.lon - 119.30) < 0.02


def test_sos_tip_page_shows_the_nearest_open_safe_house(make_user, make_house, settings, tmp_path):
    # given a closed safe house next to the SOS and an open one a little farther
    settings.FUBI_TIPS_PHOTO_ROOT = tmp_path / "tips"
    tip_services.categories_ensure()
    from accounts.tests.factories import GridFactory, box

    GridFactory(code="sh-grid", boundary=box(26.0, 119.2, 26.2, 119.4))
    make_house("Closed shop", lat=ORIGIN[0] + 0.0005)
    make_house("Night kiosk", lat=ORIGIN[0] + 0.003, is_24h=True)
    reporter = make_user()
    tip = tip_services.tip_submit(
        reporter=reporter, category_code="fighting", description="Fight", lat=ORIGIN[0], lon=ORIGIN[1], kind="sos"
    )
    client = Client()
    client.force_login(reporter)

    # when the reporter opens the tip's page
    response = client.get(f"/tips/{tip.id}/")

    # then it names the open one, not the nearer closed one
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="sh-nearest"' in html
    assert "Night kiosk" in html
    assert "Closed shop" not in html


def test_public_page_lists_safe_houses_without_login(make_house):
    house = make_house("Kiosk", lat=26.081, lon=119.301, is_24h=True)

    response = Client().get("/safe-houses/")

    assert response.status_code == 200
    assert [item.id for item in response.context["houses"]] == [house.id]
