"""Fixtures every test may use: personas, API clients with a session token."""

import os
from collections.abc import Iterator

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still work there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest
from django.test import Client

PASSWORD = "correct-horse-battery-9"  # noqa: S105 - test password


DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}


@pytest.fixture(autouse=True)
def _cache_starts_empty(request: pytest.FixtureRequest) -> None:
    """Rate-limit counters (and allauth's) live in the cache, the test database's cache table: a
    transaction=True test or an earlier run (--reuse-db) would leave them for the next test.

    Only for tests that use the database: pytest-django sets up the test database only for those, and
    a test without one must never reach the development database."""
    if request.node.get_closest_marker("django_db") is None and not DB_FIXTURES & set(request.fixturenames):
        return
    from django.core.cache import cache

    request.getfixturevalue("django_db_setup")
    with request.getfixturevalue("django_db_blocker").unblock():
        cache.clear()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def make_user(db):
    from accounts.tests.factories import UserFactory

    def make(**kwargs):
        kwargs.setdefault("password", PASSWORD)
        return UserFactory(**kwargs)

    return make


def login_token(client: Client, email: str, password: str = PASSWORD) -> str:
    """Log in through allauth's headless app API and return the session token."""
    response = client.post(
        "/_allauth/app/v1/auth/login", {"email": email, "password": password}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["meta"]["session_token"]


class ApiClient:
    """Django's test client speaking JSON to /api/v1 with an X-Session-Token."""

    def __init__(self, token: str | None = None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self, headers: dict | None) -> dict:
        merged = dict(headers or {})
        if self.token:
            merged["X-Session-Token"] = self.token
        return merged

    def get(self, path: str, params: dict | None = None, headers: dict | None = None):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self._headers(headers))

    def post(self, path: str, body: object = None, headers: dict | None = None, **kwargs: object):
        if "data" in kwargs:
            return self.client.post(f"/api/v1{path}", kwargs["data"], headers=self._headers(headers))
        return self.client.post(
            f"/api/v1{path}",
            body if body is not None else {},
            content_type="application/json",
            headers=self._headers(headers),
        )

    def delete(self, path: str, headers: dict | None = None):
        return self.client.delete(f"/api/v1{path}", headers=self._headers(headers))

    def patch(self, path: str, body: object = None, headers: dict | None = None):
        return self.client.patch(
            f"/api/v1{path}",
            body if body is not None else {},
            content_type="application/json",
            headers=self._headers(headers),
        )


@pytest.fixture
def api_as(db):
    """api_as(user) → an ApiClient logged in as that user (None → anonymous)."""

    def make(user=None) -> ApiClient:
        if user is None:
            return ApiClient()
        return ApiClient(login_token(Client(), user.email))

    return make


# --- the browser: ONE Playwright and Chromium for the whole session, shared by every app's browser
# tests. It must be defined here only: a second definition (a conftest or test module importing it)
# is a second session fixture, whose sync_playwright() finds the first one's event loop running in
# this thread and fails every browser test after it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
