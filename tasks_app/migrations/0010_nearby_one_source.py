"""Nearby search from one SQL source, tasks_app/sql/tasks_nearby.sql, with a capped count.

The filter and the distance formula are written once there (fubi_tasks_nearby_matches,
fubi_distance_km) instead of pasted into the count, the page and the JSON; ``fubi_tasks_nearby``
takes ``p_count_cap`` and stops counting one row past it, answering ``count_exact``. A database that ran
the historic 0006 has its function (one argument fewer) dropped first: CREATE OR REPLACE would add an
overload.
"""

from pathlib import Path

from django.db import migrations

SQL_FILE = Path(__file__).resolve().parent.parent / "sql" / "tasks_nearby.sql"

OLD_SIGNATURE = (
    "fubi_tasks_nearby(float8, float8, float8, float8, float8, float8, float8, text, timestamptz, timestamptz,"
    " timestamptz, int, bigint)"
)


def forwards_sql() -> str:
    return f"DROP FUNCTION IF EXISTS {OLD_SIGNATURE};\n" + SQL_FILE.read_text()


# Reversed: the functions go. Migrations 0005 and 0006 are no-ops now (their SQL was an older copy of
# tasks_nearby.sql), so below 0010 a database has no nearby function, as a fresh one never had.
REVERSE = (
    "DROP FUNCTION IF EXISTS fubi_tasks_nearby(float8, float8, float8, float8, float8, float8, float8, text,"
    " timestamptz, timestamptz, timestamptz, int, bigint, int);\n"
    "DROP FUNCTION IF EXISTS fubi_tasks_nearby_matches(float8, float8, float8, float8, float8, float8, float8, text,"
    " timestamptz, timestamptz, timestamptz);\n"
    "DROP FUNCTION IF EXISTS fubi_distance_km(float8, float8, float8, float8);\n"
    "DROP FUNCTION IF EXISTS fubi_json_time(timestamptz);\n"
)


class Migration(migrations.Migration):
    dependencies = [("tasks_app", "0009_checkin_sent_at_and_corrected")]

    operations = [migrations.RunSQL(forwards_sql(), REVERSE)]
