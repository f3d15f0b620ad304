"""core.ratelimit: the rate format, exact counting under a race on real connections (PostgreSQL's
cache table and Redis), the window's Retry-After, and failing open."""

import os
from collections import Counter

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from core.errors import RateLimitedError
from core.ratelimit import Rate, rate_limit_hit, rate_parse
from tests.races import race

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("10/h", Rate(10, 3600)),
        ("60/10m", Rate(60, 600)),
        ("3/1h", Rate(3, 3600)),
        ("500/d", Rate(500, 86400)),
        ("5/30s", Rate(5, 30)),
        ("", None),
        ("0/h", None),
    ],
)
def test_rates_are_read_from_settings_text(text: str, rate: Rate | None) -> None:
    assert rate_parse(text) == rate


@pytest.mark.parametrize("text", ["10", "10/", "ten/h", "10/0m", "10/w", "-1/h"])
def test_a_malformed_rate_is_a_configuration_error(text: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        rate_parse(text)


def hit(scope: str = "sos", who: str = "user:1") -> None:
    rate_limit_hit(scope=scope, who=who, message="Too many.")


@pytest.mark.django_db
def test_the_count_past_the_limit_is_refused_until_the_window_ends(settings) -> None:
    settings.FUBI_RATE_LIMITS = {"sos": "3/h"}
    for _ in range(3):
        hit()
    with pytest.raises(RateLimitedError) as refused:
        hit()
    assert 1 <= refused.value.retry_after <= 3600
    assert refused.value.details == {"retry_after": refused.value.retry_after, "limit": 3, "period_seconds": 3600}
    hit(who="user:2")  # someone else counts on their own


@pytest.mark.django_db
def test_an_empty_limit_is_off(settings) -> None:
    settings.FUBI_RATE_LIMITS = {"sos": ""}
    for _ in range(50):
        hit()


@pytest.mark.django_db
def test_an_unknown_scope_is_a_configuration_error(settings) -> None:
    settings.FUBI_RATE_LIMITS = {}
    with pytest.raises(ImproperlyConfigured):
        hit("nope")


def burst(jobs: int) -> Counter:
    """Every job hits the same limit at once, on its own thread and database connection."""
    results = race(lambda _: hit(), range(jobs), expected=RateLimitedError)
    return Counter(result.code if isinstance(result, RateLimitedError) else "ok" for result in results)


DATABASE_CACHE = {"default": {"BACKEND": "core.cache.DatabaseCache", "LOCATION": "fubi_cache"}}
REDIS_CACHE = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("caches", [DATABASE_CACHE, REDIS_CACHE], ids=["postgresql", "redis"])
def test_a_burst_of_parallel_requests_gets_exactly_the_limit_through(settings, caches) -> None:
    # given a limit of 3 and a client firing 16 requests at the same instant
    settings.FUBI_RATE_LIMITS = {"sos": "3/h"}
    with override_settings(CACHES=caches):
        cache.clear()
        try:
            # when they all count at once
            outcomes = burst(16)
        finally:
            cache.clear()
    # then exactly three get through: no increment is lost between a read and a write
    assert outcomes == {"ok": 3, "rate_limited": 13}


@pytest.mark.django_db
def test_the_limiter_lets_requests_through_when_the_cache_is_unreachable(settings, caplog) -> None:
    settings.FUBI_RATE_LIMITS = {"sos": "1/h"}
    down = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    with override_settings(CACHES=down):
        for _ in range(3):
            hit()
    assert [record.getMessage() for record in caplog.records if record.name == "core.ratelimit"] == [
        "Rate limit sos for user:1 not counted: the cache failed"
    ] * 3
