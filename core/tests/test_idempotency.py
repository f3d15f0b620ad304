"""Idempotency-Key: replay, reuse with another body, failures, and a racing twin."""

import pytest
from django.db import connection
from django.test import Client

from accounts.models import Agency
from conftest import login_token
from core.models import IdempotencyRecord
from tests.races import race

pytestmark = pytest.mark.urls("core.tests.idempotency_urls")


def post(client: Client, token: str, body: dict, key: str | None):
    headers = {"X-Session-Token": token}
    if key:
        headers["Idempotency-Key"] = key
    return client.post("/api/test/agencies", body, content_type="application/json", headers=headers)


@pytest.mark.django_db
def test_same_key_replays_the_first_response_and_changes_nothing(make_user) -> None:
    client = Client()
    token = login_token(client, make_user().email)
    first = post(client, token, {"name": "Station A"}, "key-1")
    again = post(client, token, {"name": "Station A"}, "key-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Agency.objects.filter(name="Station A").count() == 1


@pytest.mark.django_db
def test_same_key_with_another_body_is_409(make_user) -> None:
    client = Client()
    token = login_token(client, make_user().email)
    post(client, token, {"name": "Station B"}, "key-2")
    reused = post(client, token, {"name": "Station C"}, "key-2")
    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused"
    assert not Agency.objects.filter(name="Station C").exists()


@pytest.mark.django_db
def test_keys_are_per_user(make_user) -> None:
    client = Client()
    alice, bob = login_token(client, make_user().email), login_token(client, make_user().email)
    assert post(client, alice, {"name": "Alice's"}, "shared").status_code == 201
    assert post(client, bob, {"name": "Bob's"}, "shared").status_code == 201
    assert Agency.objects.filter(name__in=["Alice's", "Bob's"]).count() == 2


@pytest.mark.django_db
def test_a_failed_request_stores_nothing_and_can_be_retried(make_user) -> None:
    client = Client()
    token = login_token(client, make_user().email)
    failed = post(client, token, {"name": ""}, "key-3")
    assert failed.status_code == 422
    assert not IdempotencyRecord.objects.filter(key="key-3").exists()
    # the retry is a different body under the same key: allowed, since nothing was stored
    assert post(client, token, {"name": "Station D"}, "key-3").status_code == 201


@pytest.mark.django_db
def test_without_a_key_every_post_acts(make_user) -> None:
    client = Client()
    token = login_token(client, make_user().email)
    post(client, token, {"name": "Once"}, None)
    post(client, token, {"name": "Twice"}, None)
    assert Agency.objects.filter(name__in=["Once", "Twice"]).count() == 2


@pytest.mark.django_db
def test_overlong_key_is_400(make_user) -> None:
    client = Client()
    token = login_token(client, make_user().email)
    response = post(client, token, {"name": "Long"}, "k" * 300)
    assert response.status_code == 400
    assert not Agency.objects.filter(name="Long").exists()


@pytest.mark.django_db(transaction=True)
def test_racing_twins_act_once(make_user) -> None:
    # given one user firing the same request from 6 threads at once
    token = login_token(Client(), make_user().email)
    results = race(lambda _: post(Client(), token, {"name": "Raced", "sleep": 0.2}, "race-key").status_code, range(6))
    # then every answer is the same success and exactly one agency exists
    assert results == [201] * 6
    assert Agency.objects.filter(name="Raced").count() == 1


@pytest.mark.django_db(transaction=True)  # a real COMMIT or ROLLBACK, not a test savepoint
def test_a_refusal_that_wrote_nothing_commits_and_one_that_wrote_rolls_back(make_user) -> None:
    client = Client()
    token = login_token(client, make_user().email)

    def prepared() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return {row[0] for row in cursor.fetchall()}

    # given a connection holding prepared statements (the token lookup, the key's lock)
    assert post(client, token, {"name": "Station P"}, "key-p").status_code == 201
    held = prepared()
    assert any("fubi_idempotency_take" in statement for statement in held), held
    # when a keyed request is refused before writing anything
    assert post(client, token, {"name": ""}, "key-q").status_code == 422
    # then it ended in COMMIT: psycopg kept every prepared statement (a ROLLBACK drops them all)
    assert prepared() >= held
    assert not IdempotencyRecord.objects.filter(key="key-q").exists()
    # when a keyed request writes, then answers an error
    refused = post(client, token, {"name": "Station R", "refuse_after_writing": True}, "key-r")
    # then its write is undone and nothing is stored for the key
    assert refused.status_code == 409
    assert not Agency.objects.filter(name="Station R").exists()
    assert not IdempotencyRecord.objects.filter(key="key-r").exists()
