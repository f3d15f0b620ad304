"""core.clientip: the one client address every limiter counts by, with and without trusted proxies."""

import pytest
from django.test import RequestFactory

from core.clientip import client_ip
from core.ratelimit import address_identity


def request(remote: str = "10.0.0.2", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_a_spoofed_forwarded_for_is_ignored(settings) -> None:
    # given no trusted proxy (the default) and a client that writes its own X-Forwarded-For
    settings.FUBI_TRUSTED_PROXY_COUNT = 0
    # then the address is the connection's
    assert client_ip(request("198.51.100.20", forwarded="203.0.113.7")) == "198.51.100.20"


def test_with_one_trusted_proxy_the_right_most_entry_is_the_client(settings) -> None:
    # given one proxy of ours, which appends the address it received the request from
    settings.FUBI_TRUSTED_PROXY_COUNT = 1
    # when the client forged entries to the left of it
    forged = request("10.0.0.2", forwarded="1.1.1.1, 2.2.2.2, 203.0.113.7")
    # then only the proxy's entry counts
    assert client_ip(forged) == "203.0.113.7"


def test_with_two_trusted_proxies_the_second_entry_from_the_right_is_the_client(settings) -> None:
    settings.FUBI_TRUSTED_PROXY_COUNT = 2
    assert client_ip(request("10.0.0.3", forwarded="1.1.1.1, 203.0.113.7, 10.0.0.2")) == "203.0.113.7"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        (None, "10.0.0.2"),  # not through the proxy at all
        ("", "10.0.0.2"),
        ("not-an-address", "10.0.0.2"),
        ("203.0.113.7:51234", "203.0.113.7"),
        ("[2001:db8::7]:443", "2001:db8::7"),
        ("2001:DB8:0:0::7", "2001:db8::7"),
    ],
)
def test_a_missing_or_odd_forwarded_entry(settings, forwarded: str | None, expected: str) -> None:
    settings.FUBI_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request("10.0.0.2", forwarded=forwarded)) == expected


def test_per_address_limits_count_an_ipv6_client_by_its_64(settings) -> None:
    settings.FUBI_TRUSTED_PROXY_COUNT = 0
    one = address_identity(request("2001:db8:1:2:aaaa::1"))
    same_subscriber = address_identity(request("2001:db8:1:2:bbbb::9"))
    neighbour = address_identity(request("2001:db8:1:3::1"))
    assert one == same_subscriber == "ip:2001:db8:1:2::"
    assert neighbour == "ip:2001:db8:1:3::"
    assert address_identity(request("198.51.100.20")) == "ip:198.51.100.20"
