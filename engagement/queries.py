"""Engagement's set-based statements (CONVENTIONS "Fast paths")."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from psycopg.types.json import Jsonb

from accounts.models import User
from community.models import Broadcast, BroadcastDelivery
from core.models import OutboxMessage
from core.outbox import outbox_deliver_on_commit
from core.rows import prepared_cursor
from engagement.models import EngagementProfile, Notification, NotificationKind
from notify.models import PushSubscription

_NOTIFICATIONS = Notification._meta.db_table
_DELIVERIES = BroadcastDelivery._meta.db_table
_OUTBOX = OutboxMessage._meta.db_table
_USERS = User._meta.db_table
_PUSH = PushSubscription._meta.db_table
DELIVER_TASK = "notify.tasks.notification_deliver_task"
EMAIL_TASK = "engagement.tasks.notification_email_task"
# The inbox message unless its cause is there already (a replay), and, when it is to be emailed
# (staff alerts always, others if the citizen opted in, never without an address), the email job in
# the outbox (core.outbox): the message and its email commit together, no request waits on the broker.
_NOTIFY_SQL = (
    f"WITH n AS (INSERT INTO {_NOTIFICATIONS} (created_at, updated_at, user_id, kind, cause, title, body, link,"  # noqa: S608
    " message, params) VALUES (%(now)s, %(now)s, %(user_id)s, %(kind)s, %(cause)s, %(title)s, %(body)s, %(link)s,"
    " %(message)s, %(params)s) ON CONFLICT (cause) DO NOTHING RETURNING id),"
    " e AS (SELECT n.id FROM n WHERE %(has_address)s AND (%(always_email)s OR"
    f' (SELECT p.email_opt_in FROM "{EngagementProfile._meta.db_table}" p WHERE p.user_id = %(user_id)s))),'
    f" o AS (INSERT INTO {_OUTBOX}"
    " (created_at, updated_at, key, task, args, kwargs, available_at, attempts, last_error)"
    " SELECT %(now)s, %(now)s, 'engagement.email:' || e.id, %(email_task)s, jsonb_build_array(e.id), '{}'::jsonb,"
    " %(now)s, 0, '' FROM e ON CONFLICT (key) DO NOTHING RETURNING key)"
    " SELECT n.id, (SELECT o.key FROM o) FROM n"
)


def notification_insert(
    *,
    user: User,
    kind: str,
    cause: str,
    title: str,
    body: str,
    link: str,
    message: str,
    params: dict[str, Any],
    always_email: bool,
    now: datetime,
) -> tuple[Notification, str | None] | None:
    """Put a message in the user's inbox unless one for ``cause`` is there already (then None), and
    in the same statement record its email job in the outbox when it is to be emailed: the user has
    an address and either ``always_email`` (staff alerts) or their email opt-in. Answers (the saved
    notification, the email job's outbox key or None). Hand-written as one prepared statement: many
    requests (an order, a claim's decision, a tip's reply) write an inbox message, and the ORM's way
    (a savepoint for the unique cause, a read of the opt-in, two INSERTs) is several round trips."""
    fields = {
        "user": user,
        "kind": kind,
        "cause": cause,
        "title": title,
        "body": body,
        "link": link,
        "message": message,
        "params": params,
    }
    with prepared_cursor() as cursor:
        cursor.execute(
            _NOTIFY_SQL,
            {
                **{name: value for name, value in fields.items() if name not in ("user", "params")},
                "now": now,
                "user_id": user.pk,
                "params": Jsonb(params),
                "has_address": bool(user.email),
                "always_email": always_email,
                "email_task": EMAIL_TASK,
            },
        )
        row = cursor.fetchone()
    if row is None:
        return None
    notification = Notification(id=row[0], created_at=now, updated_at=now, **fields)
    notification._state.adding = False
    notification._state.db = "default"
    return notification, row[1]


def notifications_for_broadcast(broadcast: Broadcast, now: datetime) -> int:
    """An inbox message per delivery of a community broadcast, in one INSERT … SELECT (400,000
    members in seconds); the cause "broadcast:<id>:<user>" makes a second run write nothing. Not
    emailed; an urgent broadcast is also an alarm for notify (push, and SMS to verified phones).
    Returns how many were written."""
    sql = (
        f"INSERT INTO {_NOTIFICATIONS}"  # noqa: S608 - table names
        " (created_at, updated_at, user_id, kind, cause, title, body, link, message, params)"
        " SELECT %s, %s, d.user_id, %s, 'broadcast:' || d.broadcast_id || ':' || d.user_id, %s, %s,"
        " '/groups/' || d.group_id || '/', '', '{}'::jsonb"
        f" FROM {_DELIVERIES} d WHERE d.broadcast_id = %s"
        " ON CONFLICT (cause) DO NOTHING"
    )
    params = [now, now, NotificationKind.BROADCAST, broadcast.title[:200], broadcast.body, broadcast.id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = cursor.rowcount
    if broadcast.urgent:
        broadcast_alarms_enqueue(broadcast=broadcast, now=now)
    return written


def broadcast_alarms_enqueue(*, broadcast: Broadcast, now: datetime) -> int:
    """notify's delivery job (notify.tasks.notification_deliver_task, as an alarm) for each inbox
    message of an urgent broadcast whose reader has a phone subscribed to push or a verified number,
    recorded in the outbox in one INSERT … SELECT with the key notify itself uses
    ("notify.deliver:<notification id>"), so nothing is sent twice. Returns how many were recorded."""
    sql = (
        f"INSERT INTO {_OUTBOX} (created_at, updated_at, key, task, args, kwargs, available_at, attempts, last_error)"  # noqa: S608
        " SELECT %s, %s, 'notify.deliver:' || n.id, %s, '[]'::jsonb, jsonb_build_object("
        " 'user_id', n.user_id, 'notification_id', n.id, 'kind', n.kind, 'title', left(n.title, 200),"
        " 'body', left(n.body, 500), 'link', n.link, 'alarm', true), %s, 0, ''"
        f" FROM {_NOTIFICATIONS} n JOIN {_USERS} u ON u.id = n.user_id"
        " WHERE n.cause LIKE %s"
        f" AND (EXISTS (SELECT 1 FROM {_PUSH} p WHERE p.user_id = n.user_id)"
        " OR (u.phone <> '' AND u.phone_verified_at IS NOT NULL))"
        " ON CONFLICT (key) DO NOTHING RETURNING key"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, now, DELIVER_TASK, now, f"broadcast:{broadcast.id}:%"])
        keys = [row[0] for row in cursor.fetchall()]
    if keys and settings.CELERY_TASK_ALWAYS_EAGER:
        outbox_deliver_on_commit(keys=keys)  # no broker: deliver here after commit
    return len(keys)
