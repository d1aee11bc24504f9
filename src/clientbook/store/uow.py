"""A synchronous SQLAlchemy transaction, for what looks at the database from outside the
service: the tests' direct checks and the benchmark's seeding. The service itself (every
route, the CLI, the CSV import) runs on the async store, store/database.py."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

import sqlalchemy as sa

from clientbook.store.engine import is_sqlite, write_connection

_SQLITE_WRITERS: weakref.WeakKeyDictionary[sa.Engine, threading.RLock] = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


def sqlite_writer_lock(engine: sa.Engine) -> threading.RLock:
    """The lock this process's synchronous writers to a SQLite engine take before BEGIN
    IMMEDIATE (the service's writers take store/database.py's, and meet these in SQLite's
    busy handler)."""
    with _GUARD:
        return _SQLITE_WRITERS.setdefault(engine, threading.RLock())


def _writer_turn(engine: sa.Engine, *, write: bool) -> AbstractContextManager[object]:
    """SQLite has one writer at a time: this process's writers wait their turn on a lock
    (first come, first served) rather than in SQLite's busy handler, which polls with
    sleeps of up to 100 ms. Other processes still meet BEGIN IMMEDIATE's busy timeout."""
    if not write or not is_sqlite(engine):
        return nullcontext()
    return sqlite_writer_lock(engine)


@contextmanager
def transaction(engine: sa.Engine, *, write: bool) -> Iterator[sa.Connection]:
    """Commit when the block ends normally, roll back on any exception."""
    with _writer_turn(engine, write=write), engine.connect() as conn:
        if write:
            conn = write_connection(conn)
        with conn.begin():
            yield conn
