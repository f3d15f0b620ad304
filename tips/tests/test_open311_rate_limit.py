"""An Open311 flood: past 30 service requests an hour, a partner key's POSTs answer 429 with Retry-After."""

import pytest
from django.test import Client

from tips import services
from tips.models import Tip, TipSource

pytestmark = pytest.mark.django_db

FORM = {"service_code": "urban_management", "lat": 26.07, "long": 119.25, "description": "Fallen tree"}


def partner_key(make_user, name: str) -> str:
    _key, raw = services.partner_api_key_issue(name=name, user=make_user(display_name=name))
    return raw


def post(raw_key: str):
    return Client().post("/open311/v2/requests.json", FORM, headers={"X-Api-Key": raw_key})


def test_the_31st_request_in_an_hour_from_one_partner_key_is_refused(world, make_user) -> None:
    # given a partner system that posted 30 service requests this hour
    raw = partner_key(make_user, "Hotline A")
    assert [post(raw).status_code for _ in range(30)] == [201] * 30
    # when it posts a 31st
    response = post(raw)
    # then 429 in GeoReport's error shape, with Retry-After, and no tip is made
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 3600
    [error] = response.json()
    assert error["code"] == 429
    assert error["description"].startswith("This API key has submitted too many service requests in a short time.")
    assert Tip.objects.filter(source=TipSource.OPEN311).count() == 30
    # and another partner's key is not affected
    assert post(partner_key(make_user, "Hotline B")).status_code == 201
