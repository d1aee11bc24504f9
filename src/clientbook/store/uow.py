"""The unit of work: one transaction, owned by the edge (a request or a CLI command)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from clientbook.store.engine import write_connection


@contextmanager
def transaction(engine: sa.Engine, *, write: bool) -> Iterator[sa.Connection]:
    """Commit when the block ends normally, roll back on any exception."""
    with engine.connect() as conn:
        if write:
            conn = write_connection(conn)
        with conn.begin():
            yield conn
