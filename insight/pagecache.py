"""The rendered edition pages in the cache: one generation for all of them, bumped when an edition is
published or its PDF made (a page shows the grid's previous edition and the PDF link, so any change
to a grid's editions may change another edition's page). Editions never change otherwise."""

import time

from django.core.cache import cache

PAGE_CACHE_SECONDS = 7 * 24 * 3600
PAGE_VERSION_KEY = "insight:edition-page-version"


def page_cache_key(*, edition_id: int, lang: str) -> str:
    return f"insight:edition-page:{cache.get(PAGE_VERSION_KEY, 0)}:{edition_id}:{lang}"


def page_cache_bump() -> None:
    """Forget every rendered edition page."""
    try:
        cache.incr(PAGE_VERSION_KEY)
    except ValueError:  # no version yet (or evicted): any new value starts a fresh generation
        cache.set(PAGE_VERSION_KEY, int(time.time()), None)
