"""The X-Session-Token lookup: one session load per request, and a logged-out token stops at once."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import ApiClient

PASSWORD = "correct-horse-battery-9"


def app_login(email: str) -> str:
    response = Client().post(
        "/_allauth/app/v1/auth/login", {"email": email, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["meta"]["session_token"]


@pytest.mark.django_db
def test_a_token_costs_one_session_query_and_one_user_query(make_user) -> None:
    # given a citizen logged in through the app API
    user = make_user(email="token.citizen@example.com")
    token = app_login(user.email)
    # when they call an endpoint, plainly and with an Idempotency-Key (middleware and ninja both authenticate)
    with CaptureQueriesContext(connection) as queries:
        response = ApiClient(token).get("/me")
    with CaptureQueriesContext(connection) as keyed:
        refused = ApiClient(token).post(
            "/rewards/999999/redemptions", {"quantity": 1}, headers={"Idempotency-Key": "k1"}
        )
    # then the token is looked up once each time: the session row once, the user once
    assert response.status_code == 200
    assert refused.status_code == 404, refused.content
    keyed_sql = [q["sql"] for q in keyed.captured_queries]
    assert sum('FROM "django_session"' in s for s in keyed_sql) == 1, keyed_sql
    assert sum('FROM "accounts_user" WHERE "accounts_user"."id"' in s for s in keyed_sql) == 1, keyed_sql
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum('FROM "django_session"' in s for s in sql) == 1, sql
    assert sum('FROM "accounts_user" WHERE "accounts_user"."id"' in s for s in sql) == 1, sql


@pytest.mark.django_db
def test_a_logged_out_token_stops_working_at_once(make_user) -> None:
    # given a citizen whose token works
    user = make_user(email="logout.citizen@example.com")
    token = app_login(user.email)
    assert ApiClient(token).get("/me").status_code == 200
    # when they log out through the app API
    logout = Client().delete("/_allauth/app/v1/auth/session", headers={"X-Session-Token": token})
    assert logout.status_code == 401, logout.content  # allauth answers "not authenticated any more"
    # then the token is refused, on plain and idempotent calls alike
    assert ApiClient(token).get("/me").status_code == 401
    refused = ApiClient(token).post("/rewards/999999/redemptions", {"quantity": 1}, headers={"Idempotency-Key": "k2"})
    assert refused.status_code == 401, refused.content


@pytest.mark.django_db
def test_an_expired_or_deleted_session_is_refused(make_user) -> None:
    # given two logged-in tokens
    first = app_login(make_user(email="expired.citizen@example.com").email)
    second = app_login(make_user(email="deleted.citizen@example.com").email)
    # when one session expires and the other row is deleted
    Session.objects.filter(session_key=first).update(expire_date=timezone.now())
    Session.objects.filter(session_key=second).delete()
    # then neither authenticates
    assert ApiClient(first).get("/me").status_code == 401
    assert ApiClient(second).get("/me").status_code == 401


@pytest.mark.django_db
def test_a_password_change_ends_other_tokens(make_user) -> None:
    # given a logged-in token
    user = make_user(email="rotated.citizen@example.com")
    token = app_login(user.email)
    # when the password changes elsewhere (the session's auth hash no longer matches)
    user.set_password("another-horse-battery-77")
    user.save()
    # then the old token is refused
    assert ApiClient(token).get("/me").status_code == 401
