-- Nearby search in PostgreSQL: the one SQL source of GET /api/v1/tasks.
--
-- Loaded by a migration (tasks_app/migrations/0010_nearby_one_source.py) with CREATE OR REPLACE; after
-- changing this file, add a migration that loads it again. Called from tasks_app.queries.tasks_nearby_json
-- with named arguments. tasks_app.selectors.task_list_nearby is the ORM's reading of the same search
-- (it calls fubi_distance_km too); tasks_app/tests/test_api.py holds the two equal field for field.
--
-- Three functions:
-- - fubi_distance_km: the haversine distance in km, written once. LANGUAGE sql IMMUTABLE, so the
--   planner inlines it wherever it is called (no function call per row).
-- - fubi_tasks_nearby_matches: the search's filter, written once: open, for everyone (a team's tasks are
--   its members' alone), not over, places left, inside the radius (online tasks have no place: NULL
--   location). ``p_circle`` is a circle in the projection of the ``location`` column a little wider
--   than the radius (the GiST index answers it), ``p_inner`` one inside which every position is
--   provably within the radius (tasks_app.geo_sql.inner_circle_degrees), so the exact distance runs
--   only for the few rows between the two. A STABLE sql function: inlined into the caller's query,
--   so the index still serves both the filter and the KNN order.
-- - fubi_tasks_nearby: the count (exact up to p_count_cap) and one page, nearest first, as the
--   API's JSON text {"count", "count_exact", "items": [TaskOut...]}; datetimes as Django's encoder
--   writes them (UTC, milliseconds, "Z"), distance_km rounded to metres. Bitmap scans are off for
--   its statements: the planner estimates 0.1 % of rows inside any circle and would otherwise read
--   every match and sort them instead of stopping after one page (or after p_count_cap + 1 rows).

-- Bodies are checked when the functions run, not when they are made: migration 0010 loads this file
-- before the columns it names now exist (tasks_app_task.team_id comes with 0013); 0013 loads it again.
SET LOCAL check_function_bodies = off;

CREATE OR REPLACE FUNCTION fubi_json_time(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
        || CASE WHEN date_part('microseconds', t)::bigint % 1000000 <> 0
                THEN to_char(t AT TIME ZONE 'UTC', '.MS') ELSE '' END
        || 'Z'
$$;

CREATE OR REPLACE FUNCTION fubi_distance_km(lat1 float8, lon1 float8, lat2 float8, lon2 float8) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 2 * 6371.0088 * asin(least(1.0, sqrt(
        power(sin(radians(lat2 - lat1) / 2), 2)
        + cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lon2 - lon1) / 2), 2))))
$$;

CREATE OR REPLACE FUNCTION fubi_tasks_nearby_matches(
    p_lat float8, p_lon float8, p_radius_km float8,
    p_x float8, p_y float8, p_circle float8, p_inner float8,
    p_category text, p_starts_after timestamptz, p_starts_before timestamptz, p_now timestamptz
) RETURNS SETOF tasks_app_task
LANGUAGE sql STABLE AS $$
    SELECT t.*
    FROM tasks_app_task t
    WHERE t.status = 'open' AND t.team_id IS NULL AND t.ends_at > p_now AND t.slots_taken < t.headcount
      AND t.location <@ circle(point(p_x, p_y), p_circle)
      AND (t.location <@ circle(point(p_x, p_y), p_inner)
           OR fubi_distance_km(p_lat, p_lon, t.lat, t.lon) <= p_radius_km)
      AND (p_category IS NULL OR t.category = p_category)
      AND (p_starts_after IS NULL OR t.starts_at >= p_starts_after)
      AND (p_starts_before IS NULL OR t.starts_at <= p_starts_before)
$$;

CREATE OR REPLACE FUNCTION fubi_tasks_nearby(
    p_lat float8, p_lon float8, p_radius_km float8,
    p_x float8, p_y float8, p_circle float8, p_inner float8,
    p_category text, p_starts_after timestamptz, p_starts_before timestamptz, p_now timestamptz,
    p_limit int, p_offset bigint, p_count_cap int
) RETURNS text
LANGUAGE plpgsql STABLE
SET enable_bitmapscan = off
AS $$
DECLARE
    total bigint;
    items json;
BEGIN
    -- one row past the cap is enough to know the count is not exact
    SELECT count(*) INTO total FROM (
        SELECT 1 FROM fubi_tasks_nearby_matches(
            p_lat, p_lon, p_radius_km, p_x, p_y, p_circle, p_inner, p_category, p_starts_after, p_starts_before, p_now)
        LIMIT p_count_cap + 1
    ) capped;

    IF total <= p_offset AND total <= p_count_cap THEN
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
                    'distance_km', round(fubi_distance_km(p_lat, p_lon, t.lat, t.lon)::numeric, 3)::float8
                ) AS item
            FROM fubi_tasks_nearby_matches(
                p_lat, p_lon, p_radius_km, p_x, p_y, p_circle, p_inner, p_category, p_starts_after, p_starts_before,
                p_now) t
            JOIN accounts_agency a ON a.id = t.agency_id
            ORDER BY t.location <-> point(p_x, p_y)
            LIMIT p_limit OFFSET p_offset
        ) page;
    END IF;
    RETURN json_build_object(
        'count', least(total, p_count_cap), 'count_exact', total <= p_count_cap, 'items', items)::text;
END
$$;
