"""Nearby search: the exact distance test only where it can fail (historic; now a no-op).

This migration once replaced ``fubi_tasks_nearby`` with a version taking an inner circle
(``tasks_app.geo_sql.inner_circle_degrees``) inside which every position is provably within the
radius, so haversine runs only for the few rows between it and the radius. Migration 0010 replaced
that function with the one SQL source, tasks_app/sql/tasks_nearby.sql, which keeps the inner circle
(``fubi_tasks_nearby_matches``): a fresh database ends in the same state without this step, and a
database that ran it long ago keeps what 0010 made of it. See docs/architecture.md.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tasks_app", "0005_nearby_json_function")]

    # A no-op: tasks_app/sql/tasks_nearby.sql (loaded by 0010) creates this function.
    operations = []
