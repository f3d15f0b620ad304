"""Nearby search answered by PostgreSQL in one call: the count and one page, already as the API's JSON.

GET /api/v1/tasks is the product's hottest read. Built through the ORM it spent about 3 ms of
Python per request (two querysets compiled, 50 rows turned into dicts and datetimes, then encoded
to JSON) around 1–2 ms of database work, plus four round trips to switch bitmap scans off for the
page. ``fubi_tasks_nearby`` does the same work inside PostgreSQL, as one prepared call:

- the count of open tasks with places left inside the radius (an index-only scan of the covering
  GiST index, migration 0003), and the page nearest first as a KNN scan of the same index;
- ``SET enable_bitmapscan = off`` on the function, for its own statements only, and on again just
  for the count: the planner estimates 0.1 % of rows inside any circle and would otherwise read
  every task in the radius and sort them (3 ms at 100,000 tasks) instead of stopping after one
  page (0.3–0.6 ms), while the count, which reads every match anyway, is fastest as a bitmap scan;
- the answer as the contract's JSON text ``{"count": N, "items": [TaskOut...]}``, datetimes as
  Django's encoder writes them (UTC, milliseconds, "Z"), distance_km exact (haversine, rounded to
  metres); returned as text, so the driver passes it through untouched.

tasks_app.selectors.task_list_nearby (the ORM queryset, for pages and the benchmark) keeps the
same filters; a test holds the two to the same answer.
"""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION fubi_json_time(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
        || CASE WHEN date_part('microseconds', t)::bigint % 1000000 <> 0
                THEN to_char(t AT TIME ZONE 'UTC', '.MS') ELSE '' END
        || 'Z'
$$;

CREATE OR REPLACE FUNCTION fubi_tasks_nearby(
    p_lat float8, p_lon float8, p_radius_km float8,
    p_x float8, p_y float8, p_circle float8,
    p_category text, p_starts_after timestamptz, p_starts_before timestamptz,
    p_now timestamptz, p_limit int, p_offset bigint
) RETURNS text
LANGUAGE plpgsql STABLE
SET enable_bitmapscan = off
AS $$
DECLARE
    total bigint;
    items json;
BEGIN
    -- the count reads every match: a bitmap scan is its best plan at a million tasks (restored below)
    PERFORM set_config('enable_bitmapscan', 'on', true);
    SELECT count(*) INTO total
    FROM tasks_app_task t
    WHERE t.status = 'open' AND t.ends_at > p_now AND t.slots_taken < t.headcount
      AND t.location <@ circle(point(p_x, p_y), p_circle)
      AND (2 * 6371.0088 * asin(least(1.0, sqrt(
            power(sin(radians(t.lat - p_lat) / 2), 2)
            + cos(radians(p_lat)) * cos(radians(t.lat)) * power(sin(radians(t.lon - p_lon) / 2), 2))))) <= p_radius_km
      AND (p_category IS NULL OR t.category = p_category)
      AND (p_starts_after IS NULL OR t.starts_at >= p_starts_after)
      AND (p_starts_before IS NULL OR t.starts_at <= p_starts_before);

    PERFORM set_config('enable_bitmapscan', 'off', true);
    IF total <= p_offset THEN
        items := '[]'::json;
    ELSE
        SELECT coalesce(json_agg(page.item ORDER BY page.knn), '[]'::json) INTO items
        FROM (
            SELECT t.location <-> point(p_x, p_y) AS knn,
                json_build_object(
                    'id', t.id,
                    'title', t.title,
                    'category', t.category,
                    'agency', json_build_object('id', a.id, 'name', a.name),
                    'lat', t.lat,
                    'lon', t.lon,
                    'address', t.address,
                    'radius_m', t.radius_m,
                    'starts_at', fubi_json_time(t.starts_at),
                    'ends_at', fubi_json_time(t.ends_at),
                    'headcount', t.headcount,
                    'slots_left', greatest(0, t.headcount - t.slots_taken),
                    'points', t.points,
                    'status', t.status,
                    'is_urgent', t.is_urgent,
                    'distance_km', round((2 * 6371.0088 * asin(least(1.0, sqrt(
                        power(sin(radians(t.lat - p_lat) / 2), 2)
                        + cos(radians(p_lat)) * cos(radians(t.lat))
                          * power(sin(radians(t.lon - p_lon) / 2), 2)))))::numeric, 3)::float8
                ) AS item
            FROM tasks_app_task t
            JOIN accounts_agency a ON a.id = t.agency_id
            WHERE t.status = 'open' AND t.ends_at > p_now AND t.slots_taken < t.headcount
              AND t.location <@ circle(point(p_x, p_y), p_circle)
              AND (2 * 6371.0088 * asin(least(1.0, sqrt(
                    power(sin(radians(t.lat - p_lat) / 2), 2)
                    + cos(radians(p_lat)) * cos(radians(t.lat))
                      * power(sin(radians(t.lon - p_lon) / 2), 2))))) <= p_radius_km
              AND (p_category IS NULL OR t.category = p_category)
              AND (p_starts_after IS NULL OR t.starts_at >= p_starts_after)
              AND (p_starts_before IS NULL OR t.starts_at <= p_starts_before)
            ORDER BY t.location <-> point(p_x, p_y)
            LIMIT p_limit OFFSET p_offset
        ) page;
    END IF;
    RETURN json_build_object('count', total, 'items', items)::text;
END
$$;
"""

REVERSE = """
DROP FUNCTION IF EXISTS fubi_tasks_nearby(
    float8, float8, float8, float8, float8, float8, text, timestamptz, timestamptz, timestamptz, int, bigint);
DROP FUNCTION IF EXISTS fubi_json_time(timestamptz);
"""


class Migration(migrations.Migration):
    dependencies = [("tasks_app", "0004_delete_notification")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
