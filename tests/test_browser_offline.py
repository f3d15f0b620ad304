"""Installable and offline-tolerant on the phone: the manifest and the service worker at the root,
and a check-in made without signal kept in IndexedDB and sent once the phone is back online, where
the server judges it on arrival and flags it synced_late."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.services import agency_membership_add
from accounts.tests.factories import AgencyFactory
from ledger import services as ledger_services
from tasks_app import services
from tasks_app.models import CheckIn, ClaimStatus
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SITE = (26.0800, 119.3000)
PHONE_AT = {"latitude": 26.0803, "longitude": 119.3002}  # about 37 m from the meeting point


def _claimed_task(make_user):
    agency = AgencyFactory(name="Offline Police Station")
    ledger_services.agency_fund(agency=agency, amount=10_000, idempotency_key="browser-offline-fund")
    staff = make_user(display_name="Officer Lin")
    agency_membership_add(user=staff, agency=agency)
    now = timezone.now()
    task = services.task_create(
        agency=agency,
        created_by=staff,
        title="Night safety patrol, basement car park",
        category="night_patrol",
        lat=SITE[0],
        lon=SITE[1],
        address="Car park level -2",
        radius_m=150,
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=2),
        headcount=2,
        points=80,
        min_minutes=0,
        auto_approve=True,
    )
    task = services.task_publish(task=task, user=staff)
    citizen = make_user(display_name="Xiao Chen")
    return task, services.claim_create(task=task, user=citizen), citizen


def test_a_check_in_without_signal_is_sent_when_back_online_and_flagged(new_page, make_user, password) -> None:
    # given a volunteer on site with the on-site page open
    task, claim, citizen = _claimed_task(make_user)
    phone = new_page(locale="en-US", geolocation=PHONE_AT)
    browser_login(phone, citizen.email, password)
    phone.goto(f"/tasks/{task.id}/onsite/")
    expect(phone.get_by_test_id("geofence-state")).to_have_text("You are inside the task area.")

    # when the signal goes (a basement) and they check in
    phone.context.set_offline(True)
    phone.get_by_test_id("checkin-button").click()

    # then the page keeps it on the phone and says so; nothing reached the server
    expect(phone.get_by_test_id("onsite-message")).to_have_text(
        "No signal: saved on this phone, it will be sent when you are back online."
    )
    expect(phone.locator("#onsite[data-queued='1']")).to_have_count(1)
    screenshot(phone, "offline-checkin-queued")
    assert CheckIn.objects.count() == 0

    # and when the phone is back online, the check-in arrives by itself
    phone.context.set_offline(False)
    expect(phone.get_by_test_id("claim-status")).to_have_attribute("data-status", "checked_in")
    expect(phone.get_by_test_id("onsite-message")).to_have_text(
        "Sent now that you are back online (marked as sent late)."
    )
    screenshot(phone, "offline-checkin-synced")

    # and the server judged it on arrival, on its own clock, flagged synced_late and kept the phone's times
    (fix,) = CheckIn.objects.filter(claim=claim)
    assert (fix.kind, fix.accepted, fix.flags) == ("in", True, ["synced_late"])
    assert fix.sent_at >= fix.recorded_at
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CHECKED_IN
    assert claim.checked_in_at == fix.received_at
    # the queue is empty again: a reload sends nothing twice
    phone.reload()
    expect(phone.get_by_test_id("claim-status")).to_have_attribute("data-status", "checked_in")
    assert CheckIn.objects.filter(claim=claim).count() == 1


def test_the_site_is_installable(new_page) -> None:
    page = new_page(locale="zh-CN")
    page.goto("/")
    manifest = page.request.get("/manifest.webmanifest")
    assert manifest.headers["content-type"] == "application/manifest+json"
    body = manifest.json()
    assert (body["start_url"], body["scope"], body["display"]) == ("/", "/", "standalone")
    assert [icon["sizes"] for icon in body["icons"]] == ["192x192", "512x512", "512x512"]
    for icon in body["icons"]:
        assert page.request.get(icon["src"]).status == 200
    assert page.locator("link[rel=manifest]").get_attribute("href") == "/manifest.webmanifest"
    # the service worker takes the whole site
    scope = page.evaluate_handle("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope.json_value() == page.url
