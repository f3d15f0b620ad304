"""Hot reads whose SQL is built once: model rows by a fixed WHERE, without the ORM's per-call compiling.

Building a query costs the ORM about 0.3 ms of Python each time (clone the QuerySet, add the filter,
compile, resolve every column). For the few reads that every API request makes (the token's user)
or that a burst repeats thousands of times (claiming a full task, ordering a sold-out reward) that
was most of the server's time. A ``PlainRead`` writes its statement from the model's metadata on
first use and turns rows into the same model instances the ORM gives: the fields' own database
converters run, and fields left out are deferred (loaded on access), as with ``.only()``.

    USER_BY_PK = PlainRead(User, where='"auth_user"."id" = %(user_id)s')
    user = USER_BY_PK.get(user_id=42)

The WHERE, any JOINs and any extra SELECT expressions are plain SQL with NAMED placeholders
(``%(name)s``; a name may appear more than once), and their values are passed as keyword arguments:
reordering the SQL cannot swap two values. A call that leaves a name out or adds one the statement
does not use raises TypeError. A PlainRead is the machinery; each app wraps its reads in a named
function of its ``queries.py`` (``user_by_pk(user_id=...)``), which is what services call.

The statements run as server-side prepared statements (``prepared_cursor``): PostgreSQL parses and
plans each once per connection instead of on every request, which halves its CPU per read. Set
``DATABASE_PREPARED_STATEMENTS=false`` behind a pooler that cannot keep them (PgBouncer before 1.21
in transaction mode): the same statements then run unprepared.
"""

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connections, router
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.utils import CursorDebugWrapper
from django.db.models import Model

# True while a PlainRead runs its statement: a SELECT that writes nothing (core.idempotency counts
# the other statements of a request to know whether it may have written).
READING: ContextVar[bool] = ContextVar("fubi_plain_read", default=False)


class PreparedCursor(ServerBindingCursor):
    """psycopg's server-binding cursor that prepares what it executes (when the connection allows it)."""

    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = True, binary: bool | None = None):
        return super().execute(query, params, prepare=prepare, binary=binary)


class PreparedDebugCursor(CursorDebugWrapper):
    """Django's query log for a server-binding cursor: the statement with its values, as the ORM logs."""

    def execute(self, sql: str, params: Any = None) -> Any:
        shown = self.db.ops.compose_sql(sql, params) if params else sql
        with self.debug_sql(shown, params):
            return self._execute_with_wrappers(sql, params, many=False, executor=self._execute)


@contextmanager
def prepared_cursor(alias: str = "default") -> Iterator[Any]:
    """A Django cursor (query logging, error wrapping, broken-transaction checks all as usual) whose
    statements are prepared once per connection. Prepared only when the connection's
    ``prepare_threshold`` is set (config.settings: DATABASE_PREPARED_STATEMENTS); the ORM's own
    client-binding cursors never prepare."""
    connection = connections[alias]
    connection.close_if_health_check_failed()  # as every ORM cursor: CONN_HEALTH_CHECKS hold here too
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = PreparedCursor(connection.connection)
    cursor = PreparedDebugCursor(raw, connection) if connection.queries_logged else connection.make_cursor(raw)
    with cursor:
        yield cursor


_NAMED = re.compile(r"(?<!%)%\((\w+)\)s")


class PlainRead:
    """One model's rows by a fixed statement (see the module's docstring); values by name."""

    def __init__(
        self,
        model: type[Model],
        *,
        where: str,
        fields: Sequence[str] | None = None,
        extra: Sequence[str] = (),
        joins: str = "",
    ) -> None:
        self.model = model
        self.where = where
        self.joins = joins
        self.field_names = tuple(fields) if fields else None
        self.extra = tuple(extra)
        self.names = frozenset(_NAMED.findall(" ".join([*self.extra, joins, where])))
        if "%s" in " ".join([*self.extra, joins, where]):
            raise ValueError("PlainRead takes named placeholders only: %(name)s")
        self._compiled: dict[str, tuple[str, tuple[str, ...], list]] = {}

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    def _compile(self, alias: str) -> tuple[str, tuple[str, ...], list]:
        compiled = self._compiled.get(alias)
        if compiled is not None:
            return compiled
        connection = connections[alias]
        meta = self.model._meta
        quote = connection.ops.quote_name
        if self.field_names:
            wanted = {meta.get_field(name) for name in self.field_names} | {meta.pk}
            fields = [field for field in meta.concrete_fields if field in wanted]  # Model.from_db wants model order
        else:
            fields = list(meta.concrete_fields)
        table = quote(meta.db_table)
        columns = [f"{table}.{quote(field.column)}" for field in fields] + list(self.extra)
        joins = f" {self.joins}" if self.joins else ""
        sql = f"SELECT {', '.join(columns)} FROM {table}{joins} WHERE {self.where}"  # noqa: S608 - metadata, not input
        converters = []
        for index, field in enumerate(fields):
            col = field.get_col(meta.db_table)
            functions = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if functions:
                converters.append((index, functions, col))
        compiled = (sql, tuple(field.attname for field in fields), converters)
        self._compiled[alias] = compiled
        return compiled

    def get_with_extra(self, **params: Any) -> tuple[Model, tuple] | None:
        """The first matching row as a model instance, with the extra expressions' values; or None."""
        if params.keys() != self.names:
            missing, unknown = sorted(self.names - params.keys()), sorted(params.keys() - self.names)
            raise TypeError(f"{self.model.__name__} read: missing {missing}, unknown {unknown}")
        alias = router.db_for_read(self.model)
        sql, attnames, converters = self._compile(alias)
        connection = connections[alias]
        reading = READING.set(True)
        try:
            with prepared_cursor(alias) as cursor:
                cursor.execute(sql, params)
                row = cursor.fetchone()
        finally:
            READING.reset(reading)
        if row is None:
            return None
        values = list(row[: len(attnames)])
        for index, functions, col in converters:
            for function in functions:
                values[index] = function(values[index], col, connection)
        return self.model.from_db(alias, attnames, values), tuple(row[len(attnames) :])

    def get(self, **params: Any) -> Model | None:
        """The first matching row as a model instance, or None."""
        found = self.get_with_extra(**params)
        return found[0] if found is not None else None
