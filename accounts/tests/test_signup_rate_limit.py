"""Sign-up keeps allauth's per-address limit (20 a minute), counted by the client's address behind the
proxy, and answers past it as docs/api.md's trust rules says: 429 rate_limited with Retry-After."""

import pytest
from django.test import Client

PROXY = "10.0.0.2"
SIGNUP = "/_allauth/app/v1/auth/signup"


def signup(n: int, *, forwarded_for: str):
    return Client(REMOTE_ADDR=PROXY).post(
        SIGNUP,
        {"email": f"new{n}@example.com", "password": "a-long-enough-passphrase-42"},
        content_type="application/json",
        headers={"X-Forwarded-For": forwarded_for, "Accept-Language": "en"},
    )


@pytest.mark.django_db
def test_the_21st_signup_in_a_minute_from_one_address_is_refused_with_retry_after(settings) -> None:
    # given one trusted proxy and a script signing up accounts from one address
    settings.FUBI_TRUSTED_PROXY_COUNT = 1
    assert [signup(n, forwarded_for="203.0.113.9").status_code for n in range(20)] == [200] * 20
    # when it signs up a 21st within the minute
    response = signup(20, forwarded_for="203.0.113.9")
    # then 429 rate_limited with Retry-After (allauth's signup limit is per minute)
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert response.json() == {
        "status": 429,
        "code": "rate_limited",
        "message": "Too many attempts in a short time. Wait a few minutes and try again.",
        "details": {"retry_after": 60},
    }


@pytest.mark.django_db
def test_signups_from_many_addresses_behind_the_proxy_are_not_limited_together(settings) -> None:
    # given one trusted proxy and 21 people signing up on their own phones within the minute
    settings.FUBI_TRUSTED_PROXY_COUNT = 1
    statuses = [signup(n, forwarded_for=f"198.51.100.{n + 1}").status_code for n in range(21)]
    # then every one of them gets an account
    assert statuses == [200] * 21
