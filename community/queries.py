"""The broadcast fan-out's set-based statements: one INSERT … SELECT each, never a Python loop per
member (bench/community.py: 400,000 members). Each is safe to run twice (ON CONFLICT DO NOTHING)."""

from datetime import datetime

from django.db import connection

from community.models import Broadcast, BroadcastDelivery, Membership, Post

_POSTS = Post._meta.db_table
_DELIVERIES = BroadcastDelivery._meta.db_table
_MEMBERS = Membership._meta.db_table
_TARGETS = Broadcast.groups.through._meta.db_table
_BROADCASTS = Broadcast._meta.db_table


def broadcast_pin_posts(*, broadcast_id: int, now: datetime) -> int:
    """A pinned post of the broadcast in each of its groups; returns how many were written."""
    sql = (
        f"INSERT INTO {_POSTS} (created_at, updated_at, group_id, author_id, text, pinned, broadcast_id)"  # noqa: S608 - table names
        f" SELECT %s, %s, t.group_id, b.sender_id, b.title || E'\\n\\n' || b.body, TRUE, b.id"
        f" FROM {_TARGETS} t JOIN {_BROADCASTS} b ON b.id = t.broadcast_id WHERE t.broadcast_id = %s"
        " ON CONFLICT (group_id, broadcast_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, now, broadcast_id])
        return cursor.rowcount


def broadcast_deliveries_write(*, broadcast_id: int, now: datetime) -> int:
    """One delivery per member of the broadcast's groups (the lowest group of a person in several);
    returns how many were written."""
    sql = (
        f"INSERT INTO {_DELIVERIES} (broadcast_id, group_id, user_id, created_at)"  # noqa: S608 - table names
        f" SELECT DISTINCT ON (m.user_id) %s, m.group_id, m.user_id, %s FROM {_MEMBERS} m"
        f" WHERE m.removed_at IS NULL AND m.group_id IN (SELECT group_id FROM {_TARGETS} WHERE broadcast_id = %s)"
        " ORDER BY m.user_id, m.group_id"
        " ON CONFLICT (broadcast_id, user_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [broadcast_id, now, broadcast_id])
        return cursor.rowcount


def broadcast_recipient_count(*, group_ids: list[int]) -> int:
    """How many distinct people are active members of these groups."""
    sql = f"SELECT count(DISTINCT user_id) FROM {_MEMBERS} WHERE removed_at IS NULL AND group_id = ANY(%s)"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [group_ids])
        return cursor.fetchone()[0]
