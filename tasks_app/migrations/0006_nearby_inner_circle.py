"""Nearby search: the exact distance test only where it can fail.

Every row inside the radius paid for a haversine (sin, cos, sqrt, asin: about a third of the count's
time at a million tasks, 7,000 rows in 5 km). ``fubi_tasks_nearby`` now takes a second, inner circle
(``tasks_app.geo_sql.inner_circle_degrees``) inside which every position is provably within the
radius; the cheap point-in-circle test answers for those, and haversine runs only for the rows
between the inner circle and the radius, about 1 % of them. The answer is the same; a test places
tasks a few metres either side of the radius to hold it so.
"""

from importlib import import_module

from django.db import migrations

OLD_SIGNATURE = (
    "fubi_tasks_nearby(float8, float8, float8, float8, float8, float8, text, timestamptz, timestamptz, timestamptz,"
    " int, bigint)"
)

SQL = f"""
DROP FUNCTION IF EXISTS {OLD_SIGNATURE};
CREATE OR REPLACE FUNCTION fubi_tasks_nearby(
    p_lat float8, p_lon float8, p_radius_km float8,
    p_x float8, p_y float8, p_circle float8, p_inner float8,
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
      AND (t.location <@ circle(point(p_x, p_y), p_inner) OR (2 * 6371.0088 * asin(least(1.0, sqrt(
            power(sin(radians(t.lat - p_lat) / 2), 2)
            + cos(radians(p_lat)) * cos(radians(t.lat)) * power(sin(radians(t.lon - p_lon) / 2), 2))))) <= p_radius_km)
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
              AND (t.location <@ circle(point(p_x, p_y), p_inner) OR (2 * 6371.0088 * asin(least(1.0, sqrt(
                    power(sin(radians(t.lat - p_lat) / 2), 2)
                    + cos(radians(p_lat)) * cos(radians(t.lat))
                      * power(sin(radians(t.lon - p_lon) / 2), 2))))) <= p_radius_km)
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

# Reversed: the new function goes and migration 0005's comes back.
REVERSE = """
DROP FUNCTION IF EXISTS fubi_tasks_nearby(
    float8, float8, float8, float8, float8, float8, float8, text, timestamptz, timestamptz, timestamptz, int, bigint);
""" + import_module("tasks_app.migrations.0005_nearby_json_function").SQL


class Migration(migrations.Migration):
    dependencies = [("tasks_app", "0005_nearby_json_function")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
