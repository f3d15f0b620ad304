"""The tasks app's fast paths: hot statements written as SQL once, each a named function called with
keyword arguments. The nearby search's SQL lives in tasks_app/sql/ (loaded by migrations); the claim
burst's two statements are here. Tests hold each answer equal to the ORM's reading of the same thing
(tasks_app/tests/test_geo.py, tasks_app/tests/test_queries.py).
"""

from datetime import date, datetime

from core.rows import PlainRead, prepared_cursor
from tasks_app.geo_sql import KM_PER_DEGREE, inner_circle_degrees, projected
from tasks_app.models import Claim, ClaimStatus, ClaimTally, Task, TaskStatus

# A circle in the projection a little wider than the radius: the exact distance test follows.
RADIUS_SLACK = 1.01
# GET /tasks counts exactly up to here; past it the answer says count_exact: false ("1000+").
NEARBY_COUNT_CAP = 1000


def tasks_nearby_json(
    *,
    lat: float,
    lon: float,
    radius_km: float,
    category: str | None,
    starts_after: datetime | None,
    starts_before: datetime | None,
    now: datetime,
    limit: int,
    offset: int,
    count_cap: int = NEARBY_COUNT_CAP,
) -> str:
    """``fubi_tasks_nearby`` (tasks_app/sql/tasks_nearby.sql): the JSON text
    ``{"count", "count_exact", "items": [TaskOut...]}`` of one page of open tasks with places left
    within radius_km of (lat, lon), nearest first, in one prepared round trip. Aware datetimes only.
    """
    x, y = projected(lat, lon)
    arguments = {
        "lat": lat,
        "lon": lon,
        "radius_km": radius_km,
        "x": x,
        "y": y,
        "circle": radius_km / KM_PER_DEGREE * RADIUS_SLACK,
        "inner": inner_circle_degrees(lat, radius_km),
        "category": category or None,
        "starts_after": starts_after,
        "starts_before": starts_before,
        "now": now,
        "limit": limit,
        "offset": offset,
        "count_cap": count_cap,
    }
    with prepared_cursor() as cursor:
        cursor.execute(
            "SELECT fubi_tasks_nearby(p_lat => %(lat)s::float8, p_lon => %(lon)s::float8,"
            " p_radius_km => %(radius_km)s::float8, p_x => %(x)s::float8, p_y => %(y)s::float8,"
            " p_circle => %(circle)s::float8, p_inner => %(inner)s::float8, p_category => %(category)s::text,"
            " p_starts_after => %(starts_after)s::timestamptz, p_starts_before => %(starts_before)s::timestamptz,"
            " p_now => %(now)s::timestamptz, p_limit => %(limit)s::int, p_offset => %(offset)s::bigint,"
            " p_count_cap => %(count_cap)s::int)",
            arguments,
        )
        return cursor.fetchone()[0]


_TASK = f'"{Task._meta.db_table}"'
# The columns claiming needs.
CLAIM_FIELDS = (
    "id",
    "agency_id",
    "title",
    "status",
    "starts_at",
    "ends_at",
    "slots_taken",
    "headcount",
    "points",
    "team_id",
    "audience",
    "grid_id",
)
_TASK_FOR_CLAIM = PlainRead(
    Task,
    fields=CLAIM_FIELDS,
    extra=[
        f'EXISTS (SELECT 1 FROM "{Claim._meta.db_table}" c'  # noqa: S608 - table names, values as parameters
        f" WHERE c.task_id = {_TASK}.id AND c.user_id = %(user_id)s AND c.status <> %(cancelled)s)"
    ],
    where=f"{_TASK}.id = %(task_id)s AND {_TASK}.status <> %(draft)s",
)


def task_for_claim(*, task_id: int, user_id: int | None) -> tuple[Task, bool] | None:
    """(the task with only CLAIM_FIELDS loaded, whether this user holds a live — not cancelled —
    claim on it) in one prepared round trip; None when there is no such task or it is a draft.
    Hand-written: a claim burst repeats it thousands of times, and the ORM's compiling of the two
    queries was most of a refused claim's CPU (docs/performance.md: ~1.0 ms per refused claim)."""
    found = _TASK_FOR_CLAIM.get_with_extra(
        task_id=task_id, user_id=user_id, cancelled=ClaimStatus.CANCELLED, draft=TaskStatus.DRAFT
    )
    if found is None:
        return None
    task, (holds_claim,) = found
    return task, holds_claim


def claim_tally_add(*, user_id: int, day: date, limit: int, now: datetime) -> int | None:
    """Count one more place taken by the citizen on ``day``: the day's count after it, or None (and
    nothing counted) when the count has reached ``limit`` already. One statement: ON CONFLICT DO
    UPDATE locks the citizen's row for the day, so a burst of one citizen's claims queues there and
    none slips past; a claim that fails rolls its count back with its transaction. (The ORM:
    get_or_create, select_for_update and a conditional update — three statements and a savepoint.)"""
    with prepared_cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{ClaimTally._meta.db_table}" AS t'  # noqa: S608 - the table's name
            " (created_at, updated_at, user_id, day, claims) VALUES (%(now)s, %(now)s, %(user_id)s, %(day)s, 1)"
            " ON CONFLICT (user_id, day) DO UPDATE SET claims = t.claims + 1, updated_at = EXCLUDED.updated_at"
            " WHERE t.claims < %(limit)s RETURNING t.claims",
            {"now": now, "user_id": user_id, "day": day, "limit": limit},
        )
        row = cursor.fetchone()
    return row[0] if row is not None else None
