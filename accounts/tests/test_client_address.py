"""Login limits behind the HTTPS proxy: allauth and django-axes count the client's address from the
proxy's X-Forwarded-For (FUBI_TRUSTED_PROXY_COUNT), not the proxy's own address."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from conftest import PASSWORD

PROXY = "10.0.0.2"  # every request reaches Django from the proxy
LOGIN = "/_allauth/app/v1/auth/login"


def login(email: str, password: str, *, forwarded_for: str):
    client = Client(REMOTE_ADDR=PROXY)
    return client.post(
        LOGIN,
        {"email": email, "password": password},
        content_type="application/json",
        headers={"X-Forwarded-For": forwarded_for},
    )


@pytest.mark.django_db
def test_ten_citizens_mistyping_behind_the_proxy_do_not_lock_out_the_city(settings, make_user) -> None:
    # given one trusted proxy in front, and ten citizens on their own phones
    settings.FUBI_TRUSTED_PROXY_COUNT = 1
    citizens = [make_user() for _ in range(10)]
    # when each mistypes their password once within the minute
    statuses = [
        login(user.email, "wrong-password", forwarded_for=f"203.0.113.{n}").status_code
        for n, user in enumerate(citizens, start=1)
    ]
    assert statuses == [400] * 10
    # then an eleventh citizen still logs in
    eleventh = make_user()
    response = login(eleventh.email, PASSWORD, forwarded_for="198.51.100.9")
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_a_guesser_behind_the_proxy_is_limited_by_their_own_address(settings, make_user) -> None:
    # given one trusted proxy and a guesser at one address trying ten accounts
    settings.FUBI_TRUSTED_PROXY_COUNT = 1
    victims = [make_user() for _ in range(11)]
    for victim in victims[:10]:
        assert login(victim.email, "guess", forwarded_for="203.0.113.66").status_code == 400
    # when they try once more, this time with a right password, from the same address
    again = login(victims[10].email, PASSWORD, forwarded_for="203.0.113.66")
    # then allauth's per-address limit (10/m) holds for them
    assert again.status_code == 429
    # while a citizen elsewhere is not affected
    assert login(victims[10].email, PASSWORD, forwarded_for="198.51.100.9").status_code == 200


@pytest.mark.django_db
def test_a_spoofed_forwarded_for_changes_nothing_without_trusted_proxies(settings, make_user) -> None:
    # given no trusted proxy (the default): X-Forwarded-For is the client's own word
    settings.FUBI_TRUSTED_PROXY_COUNT = 0
    users = [make_user() for _ in range(11)]
    # when a guesser sends every attempt with another made-up X-Forwarded-For
    for n, user in enumerate(users[:10], start=1):
        assert login(user.email, "guess", forwarded_for=f"192.0.2.{n}").status_code == 400
    # then their eleventh attempt is still counted against their real address
    assert login(users[10].email, PASSWORD, forwarded_for="192.0.2.200").status_code == 429


@pytest.mark.django_db
def test_axes_records_the_failed_login_under_the_clients_address(settings, make_user) -> None:
    # given one trusted proxy
    settings.FUBI_TRUSTED_PROXY_COUNT = 1
    user = make_user()
    # when a login fails
    assert login(user.email, "wrong-password", forwarded_for="1.2.3.4, 203.0.113.7").status_code == 400
    # then django-axes counts it for the client's address, not the proxy's or a forged one
    attempt = AccessAttempt.objects.get()
    assert (attempt.ip_address, attempt.username, attempt.failures_since_start) == ("203.0.113.7", user.email, 1)
