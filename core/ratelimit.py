"""Rate limits for what a client could flood (tips, SOS, check-ins, Open311 posts): fixed-window
counters in Django's cache, answering 429 `rate_limited` with Retry-After (core.errors).

A limit is "N/period" in settings.FUBI_RATE_LIMITS under a scope name ("tips": "10/h", "checkins":
"60/10m"; s, m, h, d; an empty value turns it off). Each identity ("user:12", "key:3", "ip:...")
counts in windows of the period: cache.add creates the window's counter once, cache.incr adds one
atomically (INCR on Redis; core.cache.DatabaseCache locks the row), and the count past N is refused
until the window ends. Windows are shifted per identity, so not everyone's reset falls on the hour.

Decisions:
- Our own thirty lines rather than django-ratelimit (4.1, 2023): it counts the same way, but its
  system check refuses the database cache our development and tests use (not atomic there, which
  core.cache fixes), it has no Retry-After, and its failure mode is a setting, not a logged warning.
- A cache that cannot be reached lets the request through (fail open) and logs a warning: a
  limiter must not take the service down with it.
- Per-address limits are generous (a carrier's NAT puts thousands of phones behind one address);
  an IPv6 client is counted by its /64, the block one subscriber gets.
"""

import ipaddress
import logging
import math
import time
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.translation import ngettext

from core.clientip import client_ip
from core.errors import RateLimitedError

logger = logging.getLogger(__name__)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
IPV6_PREFIX = 64


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.amount}/{self.seconds}s"


def rate_parse(text: str) -> Rate | None:
    """'10/h', '60/10m', '3/1h', '500/d' → Rate; '' or '0/h' → None (no limit)."""
    text = (text or "").strip()
    if not text:
        return None
    amount, _sep, period = text.partition("/")
    number, unit = period[:-1] or "1", period[-1:]
    if not amount.isdigit() or not number.isdigit() or unit not in _UNITS or int(number) == 0:
        raise ImproperlyConfigured(f"A rate limit is 'N/period' such as '10/h' or '60/10m', not {text!r}")
    if int(amount) == 0:
        return None
    return Rate(amount=int(amount), seconds=int(number) * _UNITS[unit])


def rate_for(scope: str) -> Rate | None:
    limits = getattr(settings, "FUBI_RATE_LIMITS", {})
    if scope not in limits:
        raise ImproperlyConfigured(f"FUBI_RATE_LIMITS has no {scope!r} limit")
    return rate_parse(limits[scope])


def address_identity(request: HttpRequest) -> str:
    """'ip:<address>' for per-address limits (core.clientip); an IPv6 address by its /64."""
    address = client_ip(request)
    if address is None:
        return "ip:unknown"
    parsed = ipaddress.ip_address(address)
    if parsed.version == 6:
        return f"ip:{ipaddress.IPv6Network(f'{address}/{IPV6_PREFIX}', strict=False).network_address}"
    return f"ip:{address}"


def rate_limit_hit(*, scope: str, who: str, message: str) -> None:
    """Count one request of `who` ("user:12", "key:3", address_identity(...)) against the scope's limit.

    Raises RateLimitedError (429, retry_after = seconds until the window ends) past the limit; the
    message is the caller's sentence, followed by when to try again. Lets the request through when
    the cache fails.
    """
    rate = rate_for(scope)
    if rate is None:
        return
    offset = zlib.crc32(who.encode()) % rate.seconds
    now = time.time()
    window = int((now + offset) // rate.seconds)
    retry_after = max(1, math.ceil((window + 1) * rate.seconds - offset - now))
    key = f"fubi:rl:{scope}:{rate}:{who}:{window}"
    try:
        count = _count(key, timeout=retry_after + 5)
    except Exception:
        logger.warning("Rate limit %s for %s not counted: the cache failed", scope, who, exc_info=True)
        return
    if count > rate.amount:
        minutes = math.ceil(retry_after / 60)
        wait = ngettext("Try again in %(minutes)d minute.", "Try again in %(minutes)d minutes.", minutes) % {
            "minutes": minutes
        }
        raise RateLimitedError(
            f"{message} {wait}", retry_after=retry_after, limit=rate.amount, period_seconds=rate.seconds
        )


def _count(key: str, *, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # evicted or expired between add and incr: start it again
        cache.add(key, 0, timeout=timeout)
        return cache.incr(key)
