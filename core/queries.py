"""core's fast paths: the Idempotency-Key's two statements, each a named function with keyword
arguments. Both run as prepared statements (core.rows.prepared_cursor) because every keyed POST
runs them: the key's lock on the way in, and the stored answer of every success on the way out.
core/tests/test_queries.py holds each answer equal to the ORM's reading of the same rows.
"""

from datetime import datetime

from core.models import IdempotencyRecord
from core.rows import prepared_cursor

_RECORDS = f'"{IdempotencyRecord._meta.db_table}"'


def idempotency_key_take(*, user_id: int, key: str) -> tuple[str, int, str, bytes] | None:
    """Wait while a twin request holds (user, key) — a transaction-level advisory lock, held until
    the caller's transaction ends (fubi_idempotency_take, core/migrations/0002) — then what it
    stored, if it committed an answer: (fingerprint, status_code, content_type, body), else None.
    Hand-written: the lock and the read must be one statement, run after the wait."""
    with prepared_cursor() as cursor:
        cursor.execute(
            "SELECT fingerprint, status_code, content_type, body FROM fubi_idempotency_take(%(user_id)s, %(key)s)",
            {"user_id": user_id, "key": key},
        )
        return cursor.fetchone()


def idempotency_record_store(
    *, user_id: int, key: str, fingerprint: str, status_code: int, content_type: str, body: bytes, now: datetime
) -> None:
    """Store a keyed request's successful answer, in the request's transaction (with its effects).
    Hand-written as one prepared INSERT: every keyed success runs it, and the ORM's create() costs
    more Python than the rest of a small request's storing."""
    with prepared_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_RECORDS}"  # noqa: S608 - the table's name
            " (created_at, updated_at, user_id, key, fingerprint, status_code, content_type, body) VALUES"
            " (%(now)s, %(now)s, %(user_id)s, %(key)s, %(fingerprint)s, %(status_code)s, %(content_type)s, %(body)s)",
            {
                "now": now,
                "user_id": user_id,
                "key": key,
                "fingerprint": fingerprint,
                "status_code": status_code,
                "content_type": content_type,
                "body": body,
            },
        )
