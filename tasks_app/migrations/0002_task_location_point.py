"""Nearby search without PostGIS: a generated ``point`` column and a partial GiST index.

x = lon * cos(LAT0), y = lat, in degrees of latitude: near LAT0 (the district's latitude) the
euclidean distance between two points is their ground distance / 111.195 km within well under 1 %
over a city, so ``ORDER BY location <-> point(...)`` is a KNN index scan nearest first and
``location <@ circle(...)`` a radius filter the index answers. Exact distances are haversine.
"""

from django.db import migrations

from tasks_app.geo_sql import LAT0_COS

SQL = f"""
ALTER TABLE tasks_app_task
    ADD COLUMN location point GENERATED ALWAYS AS (point(lon * {LAT0_COS!r}, lat)) STORED;
CREATE INDEX tasks_app_task_open_location_gist ON tasks_app_task USING gist (location)
    WHERE status = 'open';
"""

REVERSE = """
DROP INDEX IF EXISTS tasks_app_task_open_location_gist;
ALTER TABLE tasks_app_task DROP COLUMN IF EXISTS location;
"""


class Migration(migrations.Migration):
    dependencies = [("tasks_app", "0001_initial")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
