"""core.tokens: the registered resolver turns a token into a user, once per request."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from conftest import login_token
from core import tokens


@pytest.fixture
def signed_in(client, make_user):
    user = make_user(email="tokens.citizen@example.com")
    return user, login_token(client, user.email)


@pytest.mark.django_db
def test_a_token_is_resolved_once_per_request(signed_in) -> None:
    user, token = signed_in
    first, second = RequestFactory().get("/api/v1/me"), RequestFactory().get("/api/v1/me")
    # when one request asks twice
    with CaptureQueriesContext(connection) as queries:
        assert tokens.token_user(first, token) == user
        assert tokens.token_user(first, token) == user
    # then the session and its user were read once
    assert len(queries) == 1
    # and another request reads them again (nothing kept across requests)
    with CaptureQueriesContext(connection) as queries:
        assert tokens.token_user(second, token) == user
    assert len(queries) == 1
    # and an unknown token on the same request signs in nobody
    assert tokens.token_user(first, "x" * 32) is None


@pytest.mark.django_db
def test_the_key_is_taken_with_the_user_in_one_statement(signed_in) -> None:
    user, token = signed_in
    request = RequestFactory().post("/api/v1/claims")
    with CaptureQueriesContext(connection) as queries:
        assert tokens.token_user_taking_key(request, token, "key-1") == (user, None, True)
        # ninja's auth then reuses the answer
        assert tokens.token_user(request, token) == user
    assert len(queries) == 1
    assert "fubi_idempotency_take" in queries[0]["sql"]


@pytest.mark.django_db
def test_without_a_keyed_resolver_core_is_told_to_take_the_key(signed_in, monkeypatch) -> None:
    user, token = signed_in
    monkeypatch.setattr(tokens, "_resolver", tokens._Resolver(user=tokens._resolver.user, user_taking_key=None))
    request = RequestFactory().post("/api/v1/claims")
    assert tokens.token_user_taking_key(request, token, "key-1") == (user, None, False)


def test_the_registered_resolver_decides_who_a_token_is(monkeypatch) -> None:
    monkeypatch.setattr(tokens, "_resolver", tokens._resolver)  # the real one is restored afterwards
    tokens.register_token_resolver(user=lambda token: "someone" if token == "good" else None)
    assert tokens.token_user(RequestFactory().get("/"), "good") == "someone"
    assert tokens.token_user(RequestFactory().get("/"), "bad") is None
    assert tokens.token_user_taking_key(RequestFactory().post("/"), "good", "k") == ("someone", None, False)
