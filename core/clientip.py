"""The client's address, the one every limiter counts by: allauth's rate limits (accounts.adapter),
django-axes' lockouts (AXES_CLIENT_IP_CALLABLE) and our own (core.ratelimit).

Behind the HTTPS proxy the README recommends, REMOTE_ADDR is the proxy's address for everyone, so
a limit per address would lock a whole city out at once. FUBI_TRUSTED_PROXY_COUNT says how many
proxies of ours stand in front of Django. Each proxy appends the address it received the request
from to X-Forwarded-For, so with N trusted proxies the client is the N-th entry from the right;
everything to the left of it was written by the client and may be forged. With 0 (the default)
X-Forwarded-For is ignored altogether: a client that sends one changes nothing.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def trusted_proxy_count() -> int:
    return max(0, int(getattr(settings, "FUBI_TRUSTED_PROXY_COUNT", 0)))


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, normalised; None when the request carries none that parses.

    With trusted proxies, a request whose X-Forwarded-For is shorter than their number (it did not
    come through all of them) or whose entry there is not an address falls back to REMOTE_ADDR.
    """
    count = trusted_proxy_count()
    if count:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",")] if forwarded else []
        if len(hops) >= count:
            address = _parse(hops[-count])
            if address is not None:
                return address
    return _parse(request.META.get("REMOTE_ADDR", ""))


def _parse(value: str) -> str | None:
    """'203.0.113.7', '203.0.113.7:51234', '[2001:db8::1]:443' or '2001:db8::1' → the address."""
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # IPv4 with a port; an IPv6 address has at least two colons
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
