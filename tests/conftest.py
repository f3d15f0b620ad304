"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server."""

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from conftest import CHROMIUM_ARGS  # noqa: F401 - the one session browser lives in the root conftest

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PHONE = {"width": 390, "height": 844}
SITE = (26.0800, 119.3000)  # the journeys' meeting point in Gulou


@pytest.fixture
def new_page(browser, live_server):
    """new_page(locale="zh-CN", viewport=PHONE, geolocation=None) → a fresh page in its own context."""
    contexts = []

    def make(locale: str = "zh-CN", viewport: dict | None = None, geolocation: dict | None = None):
        options = {
            "viewport": viewport or PHONE,
            "locale": locale,
            "base_url": live_server.url,
            "device_scale_factor": 1,
        }
        if viewport is None:
            options.update(is_mobile=True, has_touch=True)
        if geolocation is not None:
            options.update(geolocation=geolocation, permissions=["geolocation"])
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    """Keep a full-page screenshot under test-artifacts/screenshots/ for people to look at."""
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def browser_login(page, email: str, password: str) -> None:
    """Log in through the real allauth login page."""
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")


def subprocess_database_url() -> str:
    """A DATABASE_URL for child processes (workers, manage.py) that reaches the test database,
    whether it lives on a TCP server or on the embedded server's Unix socket."""
    from django.db import connection

    db = connection.settings_dict
    host = db["HOST"] or "localhost"
    if host.startswith("/"):
        return f"postgresql://{db['USER']}@{quote(host, safe='')}/{db['NAME']}"
    return f"postgresql://{db['USER']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


# --- a station and its night patrol, as the task journeys start -------------------------------------


def station(make_user, *, fund: int | None = 10_000) -> tuple[Any, Any]:
    """Guxi Police Station (with `fund` FZB in its budget, none when None) and its staff member
    Officer Wang: (agency, staff)."""
    from accounts.services import agency_membership_add
    from accounts.tests.factories import AgencyFactory
    from ledger import services as ledger_services

    agency = AgencyFactory(name="Guxi Police Station")
    if fund is not None:
        ledger_services.agency_fund(agency=agency, amount=fund, idempotency_key=f"fund-{agency.pk}")
    staff = make_user(display_name="Officer Wang")
    agency_membership_add(user=staff, agency=agency)
    return agency, staff


def open_patrol(agency, staff, *, starts_in: timedelta = timedelta(minutes=-5), **fields: Any):
    """A published night patrol of the agency at SITE, starting `starts_in` from now (under way since
    five minutes by default) for two hours: 5 places, 150 m, checked by the agency; `fields` override."""
    from django.utils import timezone

    from tasks_app import services

    start = timezone.now() + starts_in
    values = {
        "title": "Night safety patrol, Guxi street",
        "description": "Walk the lanes with the police team.",
        "category": "night_patrol",
        "lat": SITE[0],
        "lon": SITE[1],
        "address": "Guxi police station",
        "radius_m": 150,
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "headcount": 5,
        "points": 120,
        "min_minutes": 0,
        "auto_approve": False,
        **fields,
    }
    task = services.task_create(agency=agency, created_by=staff, **values)
    return services.task_publish(task=task, user=staff)
