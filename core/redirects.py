"""Where a page may send the browser next: only to our own site.

Every view that honours a `next` (or similar) parameter passes it through safe_next_url; Django's own
views (login through allauth, the language switcher) run the same check,
django.utils.http.url_has_allowed_host_and_scheme, themselves.
"""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request: HttpRequest, candidate: str | None, *, default: str) -> str:
    """`candidate` when it is a path or URL of this very host (https only when the request is), else
    `default`: https://evil.example/, //evil.example and javascript: never leave the site."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
