"""Soft delete (contract 5.5), shared by DELETE and merges; and the id-set helpers
the set-based statements share."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from clientbook.store.children import of_clients
from clientbook.store.tables import clients, matters, source_records

# Bound parameters per IN-list on SQLite: far below its variable limit (32766 since
# 3.32, 999 before).
CHUNK = 900


def chunks(values: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    """`values` in slices of at most `size`."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def among(
    conn: sa.Connection, column: sa.ColumnElement[str], values: Sequence[str]
) -> Iterator[sa.ColumnElement[bool]]:
    """Conditions `column IN values`, one statement's worth each: on PostgreSQL a single
    `= ANY(array)` (one parameter, planned once), on SQLite chunked IN-lists."""
    if not values:
        return
    if conn.dialect.name == "postgresql":
        yield column == sa.any_(sa.bindparam(None, list(values), type_=ARRAY(column.type)))
        return
    for part in chunks(values):
        yield column.in_(part)


def soft_delete_clients(
    conn: sa.Connection, *, business_uid: str, client_ids: Sequence[str], now: datetime
) -> None:
    """Mark live clients deleted: status inactive, email freed as `<email>.d<id>`,
    matters detached, source records marked deleted."""
    # Few ids (one for DELETE, at most 101 for a merge): plain IN-lists.
    for part in chunks(client_ids):
        conn.execute(
            matters.update()
            .where(of_clients(matters, business_uid=business_uid, client_ids=part))
            .values(client_created_at=None, client_id=None)
        )
        conn.execute(
            source_records.update()
            .where(
                of_clients(source_records, business_uid=business_uid, client_ids=part),
                source_records.c.deleted_at.is_(None),
            )
            .values(deleted_at=now)
        )
        conn.execute(
            clients.update()
            .where(
                clients.c.business_uid == business_uid,
                clients.c.id.in_(part),
                clients.c.deleted_at.is_(None),
            )
            .values(
                status="inactive",
                # NULL stays NULL: NULL || text is NULL on both backends.
                email=clients.c.email + ".d" + clients.c.id,
                deleted_at=now,
                updated_at=now,
            )
        )
