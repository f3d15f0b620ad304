"""Staff see how far an on-call volunteer was from an urgent task only to the nearest 100 m (issue 13,
hole 10): a distance to the metre from a few dispatches would pin down where a volunteer is, and
that is usually their home. The offer keeps only the rounded distance, so the dispatch answer,
the staff page and the admin all show it rounded."""

import re

import pytest
from django.test import Client

from core.geo import haversine_m
from tasks_app import services
from tasks_app.models import DispatchOffer
from tasks_app.services.dispatch import offer_distance_rounded
from tasks_app.tests.conftest import SITE

pytestmark = pytest.mark.django_db

VOLUNTEER_AT = (SITE[0] + 0.00111, SITE[1] + 0.00037)  # 128.8 m from the site


@pytest.fixture
def volunteer(citizen):
    services.volunteer_on_call_set(user=citizen, on_call=True, lat=VOLUNTEER_AT[0], lon=VOLUNTEER_AT[1], accuracy_m=5)
    return citizen


def test_the_dispatch_answer_gives_staff_the_distance_rounded_to_100_m(make_task, staff, volunteer, api_as) -> None:
    # given an on-call volunteer 128.8 m from a task's meeting point
    assert round(haversine_m(*VOLUNTEER_AT, *SITE), 1) == 128.8
    task = make_task(title="Lost child near Wuyi Square")
    # when the agency's staff dispatch it through the API
    response = api_as(staff).post(f"/tasks/{task.id}/dispatch", {"count": 1})
    # then the offer says 100 m, not 128.8 m, and nothing finer is kept
    assert response.status_code == 200, response.content
    assert [item["distance_m"] for item in response.json()["items"]] == [100.0]
    assert list(DispatchOffer.objects.values_list("distance_m", flat=True)) == [100.0]


def test_the_staff_task_page_shows_the_rounded_distance(make_task, staff, volunteer) -> None:
    task = make_task(title="Lost child near Wuyi Square")
    services.task_dispatch(task=task, count=1)
    client = Client()
    client.force_login(staff)
    page = client.get(f"/staff/tasks/{task.id}/").content.decode()
    offers = re.search(r'<table class="data" data-testid="offers">.*?</table>', page, re.S).group(0)
    assert re.findall(r'<td class="num">([^<]*)</td>', offers) == ["100 m"]


@pytest.mark.parametrize(("metres", "shown"), [(0.0, 0.0), (49.9, 0.0), (50.1, 100.0), (1234.5, 1200.0)])
def test_offer_distances_are_kept_to_the_nearest_100_m(metres, shown) -> None:
    assert offer_distance_rounded(metres) == shown
