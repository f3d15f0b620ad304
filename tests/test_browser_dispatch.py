"""The case page at desktop size: grid staff dispatch the nearest on-call volunteers to an SOS, see
the offers' distances, and the timeline records the dispatch; the SOS's later positions are listed."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import AgencyKind
from accounts.services import grid_membership_add
from accounts.tests.factories import AgencyFactory, GridFactory, box
from ledger import services as ledger_services
from tasks_app import services as task_services
from tasks_app.models import DispatchOffer, Task
from tests.conftest import browser_login, screenshot
from tips import services as tip_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}
SOS_AT = (26.0712, 119.2534)


def test_staff_dispatch_the_nearest_volunteers_from_an_sos(new_page, make_user, password) -> None:
    # given an SOS in a district whose grid centre is funded, its staff, and two volunteers on call
    tip_services.categories_ensure()
    centre = AgencyFactory(name="Dispatch Grid Centre", kind=AgencyKind.GRID_CENTRE)
    district = GridFactory(code="d-district", level="district", boundary=box(26.0, 119.2, 26.2, 119.4))
    district.handling_agency = centre
    district.save()
    ledger_services.agency_fund(agency=centre, amount=100_000, idempotency_key="browser:dispatch:fund")
    staff = make_user(display_name="Grid Li")
    grid_membership_add(user=staff, grid=district)
    for metres in (400, 1500):
        volunteer = make_user(display_name=f"Volunteer {metres}")
        task_services.volunteer_on_call_set(
            user=volunteer, on_call=True, lat=SOS_AT[0] + metres / 111_195, lon=SOS_AT[1], accuracy_m=10
        )
    reporter = make_user(display_name="Reporter")
    sos = tip_services.tip_submit(
        reporter=reporter, category_code="", description="", lat=SOS_AT[0], lon=SOS_AT[1], kind="sos"
    )
    tip_services.sos_ping_record(tip=sos, lat=SOS_AT[0] + 0.001, lon=SOS_AT[1], accuracy_m=8)

    # when the staff member opens the case and dispatches two volunteers at 150 points
    page = new_page(locale="en-US", viewport=DESKTOP)
    browser_login(page, staff.email, password)
    page.goto(f"/staff/cases/{sos.id}/")
    expect(page.get_by_test_id("sos-positions").locator("li")).to_have_count(1)
    page.get_by_test_id("dispatch-count").fill("2")
    page.get_by_test_id("dispatch-points").fill("150")
    page.get_by_test_id("dispatch-send").click()

    # then the page names the funded task and the two offers' distances
    expect(page.get_by_test_id("dispatch-result")).to_have_text(re.compile(r"^Urgent task #\d+: 2 volunteers asked\.$"))
    task = Task.objects.get(agency=centre)
    expect(page.get_by_test_id("dispatch-result")).to_have_text(f"Urgent task #{task.id}: 2 volunteers asked.")
    expect(page.get_by_test_id("dispatch-offers").locator("li")).to_have_text(["0.4 km", "1.5 km"])
    screenshot(page, "dispatch-case-desktop")
    assert (task.headcount, task.points, task.escrow_points) == (2, 150, 300)
    assert DispatchOffer.objects.filter(task=task).count() == 2

    # and the button is spent (a retry would replay the page's Idempotency-Key anyway): one task
    expect(page.get_by_test_id("dispatch-send")).to_be_disabled()
    assert Task.objects.filter(agency=centre).count() == 1
    page.reload()
    expect(page.get_by_test_id("step-summary").last).to_have_text(
        f"Urgent task {task.id}: 2 of 2 volunteers asked, 150 FZB each"
    )
