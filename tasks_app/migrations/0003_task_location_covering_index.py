"""Nearby search: make the GiST index over open tasks covering, so the count of tasks within the
radius is an index-only scan (no heap visits for thousands of scattered rows at 1,000,000 tasks).

INCLUDE carries every column the list's filters read: the haversine test (lat, lon), places left
(slots_taken, headcount), the window (starts_at, ends_at) and category.
"""

from django.db import migrations

SQL = """
DROP INDEX IF EXISTS tasks_app_task_open_location_gist;
CREATE INDEX tasks_app_task_open_location_gist ON tasks_app_task USING gist (location)
    INCLUDE (lat, lon, ends_at, starts_at, slots_taken, headcount, category)
    WHERE status = 'open';
"""

REVERSE = """
DROP INDEX IF EXISTS tasks_app_task_open_location_gist;
CREATE INDEX tasks_app_task_open_location_gist ON tasks_app_task USING gist (location) WHERE status = 'open';
"""


class Migration(migrations.Migration):
    dependencies = [("tasks_app", "0002_task_location_point")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
