"""Django's database cache with an atomic incr, for the rate limits (core.ratelimit).

Without REDIS_URL the cache lives in PostgreSQL (the `fubi_cache` table). Django's DatabaseCache
inherits BaseCache.incr: a read, then a write. Requests racing through it read the same count and
each write count + 1, so a burst of parallel requests could pass a limit together. Here incr locks
the row (SELECT ... FOR UPDATE) for its read and write, so concurrent increments queue on the row
and none is lost — as INCR is on Redis. Inside a transaction that is already open (an
Idempotency-Key request) the row stays locked until that transaction ends, and a rolled-back
request's increment is rolled back with it.
"""

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router, transaction
from django.utils import timezone


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        """Add delta to a stored number atomically; ValueError when the key is missing or expired."""
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(f"SELECT value, expires FROM {table} WHERE cache_key = %s FOR UPDATE", [key])  # noqa: S608 - the cache table's quoted name
            row = cursor.fetchone()
            if row is None or row[1] < timezone.now():
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(row[0].encode())) + delta  # noqa: S301 - our own cache table, as Django's get
            pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET value = %s WHERE cache_key = %s", [pickled, key])  # noqa: S608
        return value
