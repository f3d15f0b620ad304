"""Idempotency-Key: replay, reuse with another body, failures, and a racing twin."""

import threading

import pytest
from django.db import connection
from django.test import Client
from psycopg._connection_base import BaseConnection

from accounts.models import Agency
from conftest import login_token
from core.models import IdempotencyRecord

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
    results: list[int] = []
    barrier = threading.Barrier(6)

    def fire() -> None:
        try:
            barrier.wait()
            results.append(post(Client(), token, {"name": "Raced", "sleep": 0.2}, "race-key").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=fire) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
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
    # when a keyed request is refused after an ORM read (its transaction began), having written nothing
    assert post(client, token, {"name": "Station Q", "refuse_after_orm_read": True}, "key-q").status_code == 409
    # then it ended in COMMIT: psycopg kept every prepared statement (a ROLLBACK drops them all)
    assert prepared() >= held
    assert not IdempotencyRecord.objects.filter(key="key-q").exists()
    # when a keyed request writes, then answers an error
    refused = post(client, token, {"name": "Station R", "refuse_after_writing": True}, "key-r")
    # then its write is undone and nothing is stored for the key
    assert refused.status_code == 409
    assert not Agency.objects.filter(name="Station R").exists()
    assert not IdempotencyRecord.objects.filter(key="key-r").exists()


@pytest.fixture
def transaction_commands(monkeypatch) -> list[bytes]:
    """Every BEGIN, COMMIT and ROLLBACK psycopg sends from now on (its _exec_command carries them)."""
    sent: list[bytes] = []
    original = BaseConnection._exec_command

    def spy(self, command, *args, **kwargs):
        sent.append(bytes(command) if isinstance(command, bytes | bytearray) else str(command).encode())
        return original(self, command, *args, **kwargs)

    monkeypatch.setattr(BaseConnection, "_exec_command", spy)
    return sent


@pytest.mark.django_db(transaction=True)  # the request's own transactions, not a test savepoint
def test_a_refusal_decided_by_prepared_reads_sends_no_begin_and_a_write_one_transaction(
    make_user, transaction_commands
) -> None:
    client = Client()
    token = login_token(client, make_user().email)
    assert post(client, token, {"name": "Station V"}, "key-v").status_code == 201  # connection warm
    transaction_commands.clear()
    # when a keyed request is refused on what its prepared reads found
    refused = post(client, token, {"name": "Station V", "refuse_after_reading": True}, "key-w")
    # then it sent its statements (token with key, read, key again) and no BEGIN, COMMIT or ROLLBACK
    assert refused.status_code == 409
    assert refused.json()["message"] == "taken: True"
    assert transaction_commands == []
    # when a keyed request writes
    assert post(client, token, {"name": "Station W"}, "key-x").status_code == 201
    # then its write and its stored answer are one transaction
    assert [command.split()[0] for command in transaction_commands] == [b"BEGIN", b"COMMIT"]
    assert IdempotencyRecord.objects.filter(key="key-x").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_twin_that_finishes_while_a_request_only_read_is_replayed(make_user, monkeypatch) -> None:
    from core.tests import idempotency_urls

    token = login_token(Client(), make_user().email)
    twin: dict = {}

    def twin_finishes_first(body: dict) -> None:
        # between the first request's reads and its first write, its twin runs start to end
        if twin:
            return  # the twin itself goes straight on
        twin["started"] = True

        def run() -> None:
            try:
                twin["response"] = post(Client(), token, {"name": "Twinned", "before_writing": True}, "twin-key")
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()

    monkeypatch.setattr(idempotency_urls, "before_writing", twin_finishes_first)
    # when the first request (which reads first) and its twin both run, the twin finishing first
    first = post(Client(), token, {"name": "Twinned", "before_writing": True}, "twin-key")
    # then the first does not act: it answers the twin's stored answer, which a retry also gets
    assert twin["response"].status_code == 201
    assert first.status_code == 201
    assert first.json() == twin["response"].json()
    assert first["Idempotent-Replayed"] == "true"
    assert Agency.objects.filter(name="Twinned").count() == 1
    assert IdempotencyRecord.objects.filter(key="twin-key").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_during_a_prepared_read_is_a_clean_500_and_the_next_request_reconnects(make_user) -> None:
    import psycopg
    from django.db import DatabaseError

    client = Client(raise_request_exception=True)
    token = login_token(client, make_user().email)
    assert post(client, token, {"name": "Station L"}, "key-l").status_code == 201
    # given the server ends this connection (a restart, an idle timeout on the way)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    dsn = connection.get_connection_params()
    with psycopg.connect(
        dbname=dsn["dbname"], host=dsn.get("host"), port=dsn.get("port"), user=dsn.get("user"), autocommit=True
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    # when a keyed request's first prepared read finds it gone
    with pytest.raises(DatabaseError) as raised:  # Django's own error (a 500), not a raw psycopg one
        post(client, token, {"name": "Station M", "refuse_after_reading": True}, "key-m")
    assert type(raised.value).__module__.startswith("django.db")
    # then the next request connects again and works
    assert post(client, token, {"name": "Station N"}, "key-n").status_code == 201
