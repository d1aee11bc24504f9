"""Engines for the two backends, from the URLs users write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

SQLITE_BUSY_TIMEOUT_MS = 30_000
_WRITE = "clientbook_write"


def driver_url(url: str) -> str:
    """`sqlite:///PATH` or `postgresql://USER@HOST:PORT/DB` -> the URL with our drivers."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+pysqlite").render_as_string(hide_password=False)
    if parsed.get_backend_name() in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database URL scheme: {parsed.drivername}")


def create_engine(url: str, *, pool_size: int = 10) -> sa.Engine:
    """An engine configured for durability: WAL + synchronous=FULL on SQLite.

    Up to 2 x pool_size connections, all kept open once made: a pool with overflow closes
    each overflow connection when it comes back, so load above pool_size reconnected for
    nearly every request (a new PostgreSQL backend process each time).
    """
    full = driver_url(url)
    if full.startswith("sqlite"):
        return _sqlite_engine(full, pool_size=pool_size)
    return sa.create_engine(full, pool_size=2 * pool_size, max_overflow=0, pool_pre_ping=True)


def is_sqlite(engine: sa.Engine) -> bool:
    return engine.dialect.name == "sqlite"


def write_connection(conn: sa.Connection) -> sa.Connection:
    """Mark a connection so its transaction takes the write lock at BEGIN (SQLite)."""
    return conn.execution_options(**{_WRITE: True})


def _sqlite_engine(full: str, *, pool_size: int) -> sa.Engine:
    database = sa.make_url(full).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        full,
        pool_size=2 * pool_size,
        max_overflow=0,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We issue BEGIN ourselves (below), so pysqlite must not.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # A writer takes the lock at BEGIN: a deferred transaction that later upgrades
        # fails at once with "database is locked" instead of waiting its turn.
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
