"""The X-Session-Token lookup: one statement per request for the session and its user, and every rule
of Django's get_user still holds (logout, expiry, password change, deactivation, tampering)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import UserSession as Session
from accounts.sessions import SessionStore
from conftest import ApiClient

PASSWORD = "correct-horse-battery-9"


def app_login(email: str) -> str:
    response = Client().post(
        "/_allauth/app/v1/auth/login", {"email": email, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["meta"]["session_token"]


@pytest.mark.django_db
def test_a_token_costs_one_statement_for_its_session_and_user(make_user) -> None:
    # given a citizen logged in through the app API
    user = make_user(email="token.citizen@example.com")
    token = app_login(user.email)
    assert Session.objects.get(session_key=token).user_id == user.pk  # the engine keeps the user's id
    # when they call an endpoint, plainly and with an Idempotency-Key (middleware and ninja both authenticate)
    with CaptureQueriesContext(connection) as queries:
        response = ApiClient(token).get("/me")
    with CaptureQueriesContext(connection) as keyed:
        refused = ApiClient(token).post(
            "/rewards/999999/redemptions", {"quantity": 1}, headers={"Idempotency-Key": "k1"}
        )
    # then the token is looked up once each time, session and user in one statement
    assert response.status_code == 200
    assert response.json()["email"] == user.email
    assert refused.status_code == 404, refused.content
    for sql in ([q["sql"] for q in queries.captured_queries], [q["sql"] for q in keyed.captured_queries]):
        assert sum('JOIN "accounts_usersession" s ON s.user_id = "accounts_user".id' in s for s in sql) == 1, sql
        assert not any('FROM "accounts_usersession"' in s or 'FROM "django_session"' in s for s in sql), sql
        assert not any('FROM "accounts_user" WHERE' in s for s in sql), sql


@pytest.mark.django_db
def test_a_tampered_or_foreign_session_is_refused(make_user) -> None:
    # given two citizens with tokens
    alice = make_user(email="alice.citizen@example.com")
    bob = make_user(email="bob.citizen@example.com")
    alice_token, bob_token = app_login(alice.email), app_login(bob.email)
    # when Alice's row is pointed at Bob (the column lies) and Bob's signed data is altered
    Session.objects.filter(session_key=alice_token).update(user=bob)
    data = Session.objects.get(session_key=bob_token).session_data
    Session.objects.filter(session_key=bob_token).update(
        session_data=data[:-3] + ("AAA" if data[-3:] != "AAA" else "BBB")
    )
    # then neither token signs anyone in: the signed data must name the row's user
    assert ApiClient(alice_token).get("/me").status_code == 401
    assert ApiClient(bob_token).get("/me").status_code == 401


@pytest.mark.django_db
def test_a_deactivated_user_or_an_unknown_backend_is_refused(make_user) -> None:
    # given two logged-in citizens
    gone = make_user(email="gone.citizen@example.com")
    odd = make_user(email="odd.citizen@example.com")
    gone_token, odd_token = app_login(gone.email), app_login(odd.email)
    # when one account is deactivated and the other session names a backend no longer configured
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    store = SessionStore(session_key=odd_token)
    store["_auth_user_backend"] = "django.contrib.auth.backends.RemoteUserBackend"
    store.save()
    # then both are refused
    assert ApiClient(gone_token).get("/me").status_code == 401
    assert ApiClient(odd_token).get("/me").status_code == 401
    # and a token that is not a well-formed key costs no query at all
    with CaptureQueriesContext(connection) as queries:
        assert ApiClient("short").get("/me").status_code == 401
    assert queries.captured_queries == []


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
