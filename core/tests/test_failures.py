"""Answers under failure (core.failures): a database out of reach answers 503 unavailable with
Retry-After (JSON under /api/, a page elsewhere); any other unexpected error under /api/ answers the
contract's 500 with a request id that the logged traceback carries too."""

import logging
import socket

import pytest
from django.db import connection
from django.test import Client

from conftest import login_token
from core.requestid import request_id_new


@pytest.fixture
def database_out_of_reach(transactional_db):
    """The default connection pointed at a port where nothing listens (a PostgreSQL that is down)."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    closed_port = probe.getsockname()[1]
    probe.close()
    saved = {key: connection.settings_dict[key] for key in ("HOST", "PORT")}
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port))
    yield
    connection.close()
    connection.settings_dict.update(saved)


def client() -> Client:
    return Client(raise_request_exception=False)


def test_an_api_read_without_a_database_answers_503_with_retry_after(database_out_of_reach) -> None:
    response = client().get("/api/v1/tips/categories")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["code"] == "unavailable"
    assert body["details"] == {"request_id": response["X-Request-ID"]}


def test_a_signed_in_api_call_without_a_database_answers_503(database_out_of_reach) -> None:
    # the session behind the token cannot be loaded: the authentication step itself fails
    response = client().get("/api/v1/me", headers={"X-Session-Token": "a-token-that-cannot-be-looked-up"})
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"


def test_a_keyed_post_without_a_database_answers_503_from_the_middleware(database_out_of_reach) -> None:
    # the Idempotency-Key middleware meets the outage before any view runs
    response = client().post(
        "/api/v1/tasks/1/claims",
        {},
        content_type="application/json",
        headers={"X-Session-Token": "t" * 32, "Idempotency-Key": "k-1"},
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "unavailable"


def test_a_page_without_a_database_answers_a_503_page(database_out_of_reach) -> None:
    response = client().get("/leaderboard/")  # public, read from the database
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    assert "<h1>" in response.content.decode()


@pytest.mark.django_db
def test_an_unexpected_api_error_answers_json_500_with_the_logged_request_id(caplog) -> None:
    # given a bug of ours: the table an endpoint reads is gone
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE tips_tipcategory RENAME TO tips_tipcategory_gone")
    with caplog.at_level(logging.ERROR, logger="config.api"):
        response = client().get("/api/v1/tips/categories", headers={"X-Request-ID": "lb-4f2a9c1e77"})
    assert response.status_code == 500
    assert response.json() == {
        "code": "server_error",
        "message": response.json()["message"],
        "details": {"request_id": "lb-4f2a9c1e77"},
    }
    assert response["X-Request-ID"] == "lb-4f2a9c1e77"
    logged = [r for r in caplog.records if r.exc_info]
    assert [r.request_id for r in logged] == ["lb-4f2a9c1e77"]


@pytest.mark.django_db
def test_an_error_raised_before_the_api_view_answers_json_500_with_the_request_id(make_user, caplog) -> None:
    # given a signed-in citizen, and a bug below the API's handler: the Idempotency-Key middleware's
    # lock function is gone
    token = login_token(Client(), make_user().email)
    with connection.cursor() as cursor:
        cursor.execute("ALTER FUNCTION fubi_idempotency_take(bigint, text) RENAME TO fubi_idempotency_gone")
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client().post(
            "/api/v1/tasks/1/claims",
            {},
            content_type="application/json",
            headers={"X-Session-Token": token, "Idempotency-Key": "k-2", "X-Request-ID": "lb-77aa00bb11"},
        )
    assert response.status_code == 500
    body = response.json()
    assert (body["code"], body["details"]) == ("server_error", {"request_id": "lb-77aa00bb11"})
    assert [r.request_id for r in caplog.records if r.exc_info] == ["lb-77aa00bb11"]


def test_every_answer_carries_a_request_id(db) -> None:
    first = client().get("/api/v1/tips/categories")
    second = client().get("/api/v1/tips/categories")
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_proxy_request_id_is_kept_only_when_it_looks_like_one() -> None:
    assert request_id_new("lb-4f2a9c1e77") == "lb-4f2a9c1e77"
    assert len(request_id_new("<script>")) == 32
    assert len(request_id_new("x" * 200)) == 32


def test_a_connection_that_died_between_requests_is_dropped_so_the_next_request_succeeds(transactional_db) -> None:
    # given a worker thread whose connection PostgreSQL ended (a restart, an admin's terminate)
    # while no transaction was open
    import psycopg

    assert client().get("/api/v1/tips/categories").status_code == 200
    pid = connection.connection.info.backend_pid
    settings_dict = connection.settings_dict
    with psycopg.connect(
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"],
        dbname=settings_dict["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])

    # when the next request meets the dead connection, it is told 503 unavailable
    met = client().get("/api/v1/tips/categories")
    assert met.status_code == 503
    assert met.json()["code"] == "unavailable"

    # then the dead connection was dropped, and the request after it connects afresh and succeeds
    assert connection.connection is None
    after = client().get("/api/v1/tips/categories")
    assert after.status_code == 200
    assert connection.connection.info.backend_pid != pid
