"""The nearby list's count on a phone: exact up to 1,000 open tasks, "1000+" past them."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import AgencyFactory
from tasks_app.models import Task, TaskStatus
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CENTRE = settings.FUBI_DISTRICT_CENTER


def open_tasks_at_the_centre(how_many: int) -> None:
    """`how_many` open tasks with places within about 1 km of the district centre, in one statement."""
    agency = AgencyFactory(name="Guxi Police Station")
    now = timezone.now()
    Task.objects.bulk_create(
        Task(
            agency=agency,
            title=f"Night safety patrol {i}",
            category="night_patrol",
            lat=CENTRE[0] + (i % 100) * 0.0001,
            lon=CENTRE[1] + (i // 100) * 0.0001,
            address="Guxi police station",
            starts_at=now + timedelta(hours=1),
            ends_at=now + timedelta(hours=3),
            headcount=5,
            points=100,
            status=TaskStatus.OPEN,
        )
        for i in range(how_many)
    )


def test_past_1000_open_tasks_the_list_shows_1000_plus(new_page) -> None:
    # given 1,001 open tasks around the district centre
    open_tasks_at_the_centre(1001)
    # when a visitor there opens the nearby list on a phone, in Chinese
    phone = new_page(geolocation={"latitude": CENTRE[0], "longitude": CENTRE[1]})
    phone.goto("/tasks/")
    expect(phone.locator("#task-list[data-loaded=true]")).to_have_count(1)
    # then the count the API answered (count_exact: false) reads "1000+"
    expect(phone.get_by_test_id("task-count")).to_have_text("1000+")
    expect(phone.locator("p", has=phone.get_by_test_id("task-count"))).to_have_text("附近的开放任务： 1000+")
    screenshot(phone, "tasks-nearby-count-capped")


def test_up_to_1000_open_tasks_the_list_shows_the_exact_count(new_page) -> None:
    # given 1,000 open tasks around the district centre
    open_tasks_at_the_centre(1000)
    # when a visitor there opens the nearby list on a phone
    phone = new_page(locale="en-US", geolocation={"latitude": CENTRE[0], "longitude": CENTRE[1]})
    phone.goto("/tasks/")
    expect(phone.locator("#task-list[data-loaded=true]")).to_have_count(1)
    # then the count is exact
    expect(phone.get_by_test_id("task-count")).to_have_text("1000")
