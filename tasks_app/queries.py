"""The tasks app's fast paths: hot statements written as SQL once, each a named function called with
keyword arguments. Their SQL lives in tasks_app/sql/ (loaded by migrations); tests hold each answer
equal to the ORM's reading of the same thing (tasks_app.selectors).
"""

from datetime import datetime

from core.rows import prepared_cursor
from tasks_app.geo_sql import KM_PER_DEGREE, inner_circle_degrees, projected

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
