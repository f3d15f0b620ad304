"""Idempotency keys are taken with a transaction-level advisory lock instead of a placeholder row.

fubi_idempotency_take(user, key) waits for any other transaction holding the same (user, key),
then answers the stored response if a twin committed one. A plpgsql function so that the lock
and the read are one round trip, and the read runs after the wait with a fresh snapshot (each
statement of a VOLATILE function takes its own under READ COMMITTED). The two-key form of the lock
with the namespace 7401 keeps these locks apart from the one-key locks the ledger uses.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunSQL(
            sql="""
            CREATE OR REPLACE FUNCTION fubi_idempotency_take(p_user bigint, p_key text)
            RETURNS TABLE (fingerprint varchar, status_code smallint, content_type varchar, body bytea)
            LANGUAGE plpgsql VOLATILE AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock(7401, hashtext(p_user::text || ':' || p_key));
                RETURN QUERY
                    SELECT r.fingerprint, r.status_code, r.content_type, r.body
                    FROM core_idempotencyrecord r
                    WHERE r.user_id = p_user AND r.key = p_key;
            END
            $$;
            """,
            reverse_sql="DROP FUNCTION IF EXISTS fubi_idempotency_take(bigint, text);",
        ),
        migrations.AlterField(
            model_name='idempotencyrecord',
            name='user',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
    ]
