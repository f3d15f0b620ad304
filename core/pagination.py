"""The contract's list shape: {"items": [...], "count": N} with limit and offset."""

from typing import Any

from django.db.models import QuerySet
from ninja import Schema

from core.errors import InvalidError

MAX_LIMIT = 200
MAX_OFFSET = 1_000_000_000  # far past any list; keeps the SQL OFFSET inside a bigint


class PageParams(Schema):
    limit: int = 50
    offset: int = 0


def paginate(items: QuerySet | list, *, limit: int, offset: int) -> dict[str, Any]:
    """Slice a queryset or list for one page; refuse limits outside 1..MAX_LIMIT."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidError(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidError(f"offset must be between 0 and {MAX_OFFSET}.", field="offset")
    count = items.count() if isinstance(items, QuerySet) else len(items)
    return {"items": list(items[offset : offset + limit]), "count": count}
