"""The inbox's unread count for the top bar (wired by dotted path in settings; nobody imports it)."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from engagement import selectors


def inbox(request: HttpRequest) -> dict[str, Any]:
    """`inbox_unread`: a callable, so the count is queried only by pages that show it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    count: dict[str, int] = {}

    def unread() -> int:
        if "n" not in count:
            count["n"] = selectors.inbox_unread_count(user=user)
        return count["n"]

    getter: Callable[[], int] = unread
    return {"inbox_unread": getter}
