"""Fixtures every test may use: personas, API clients with a session token."""

import os

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still work there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest
from django.test import Client

PASSWORD = "correct-horse-battery-9"  # noqa: S105 - test password


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
