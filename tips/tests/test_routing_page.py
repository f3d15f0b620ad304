"""The grid staff's routing-rules page (立码办): list, add and remove the rules of their grids."""

import pytest
from django.test import Client

from accounts.models import AgencyKind
from accounts.tests.factories import AgencyFactory
from tips.models import RoutingRule, TipCategory

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(world):
    return AgencyFactory(name="Market Regulation", kind=AgencyKind.MARKET_REGULATION)


def desk(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_grid_staff_add_a_rule_and_see_it_listed(world, market):
    client = desk(world["community_staff"])
    empty = client.get("/staff/routing-rules/").content.decode()

    response = client.post(
        "/staff/routing-rules/",
        {"grid": world["community"].id, "category": "urban_management", "agency": market.id},
    )

    assert 'data-testid="routing-empty"' in empty
    assert (response.status_code, response["Location"]) == (302, "/staff/routing-rules/")
    rule = RoutingRule.objects.get()
    assert (rule.grid, rule.category.code, rule.agency, rule.place_code) == (
        world["community"],
        "urban_management",
        market,
        None,
    )
    assert "Market Regulation" in client.get("/staff/routing-rules/").content.decode()


def test_a_rule_for_another_grid_is_refused_with_the_reason_and_nothing_saved(world, market):
    response = desk(world["other_staff"]).post(
        "/staff/routing-rules/",
        {"grid": world["community"].id, "category": "urban_management", "agency": market.id},
    )

    assert response.status_code == 404
    assert [str(m) for m in response.context["messages"]] == [
        "您的网格中没有这个网格。"
    ]  # the page speaks the default language
    assert RoutingRule.objects.count() == 0


def test_staff_remove_their_rule_and_another_grids_staff_cannot(world, market):
    rule = RoutingRule.objects.create(
        grid=world["community"], category=TipCategory.objects.get(code="other"), agency=market
    )

    refused = desk(world["other_staff"]).post(f"/staff/routing-rules/{rule.id}/delete/")
    done = desk(world["district_staff"]).post(f"/staff/routing-rules/{rule.id}/delete/")

    assert (refused.status_code, done.status_code) == (404, 302)
    assert RoutingRule.objects.count() == 0


def test_citizens_get_404_and_the_case_queue_links_the_page(world):
    assert desk(world["citizen"]).get("/staff/routing-rules/").status_code == 404
    page = desk(world["community_staff"]).get("/staff/cases/").content.decode()
    assert 'data-testid="routing-rules-link"' in page
