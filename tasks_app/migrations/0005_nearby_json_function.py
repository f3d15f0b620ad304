"""Nearby search answered by PostgreSQL in one call (historic; now a no-op).

This migration once created ``fubi_json_time`` and the first ``fubi_tasks_nearby`` (the count and one
page, already as the API's JSON). Migration 0010 replaced both with the one SQL source,
tasks_app/sql/tasks_nearby.sql, which it loads (and 0013 loads again): a fresh database ends in the
same state without this step, and a database that ran it long ago keeps what 0010 made of it. The SQL
that stood here was a copy of that file's; it is written once now. See docs/architecture.md.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tasks_app", "0004_delete_notification")]

    # A no-op: tasks_app/sql/tasks_nearby.sql (loaded by 0010) creates these functions.
    operations = []
