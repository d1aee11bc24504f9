"""Merge queries (contract 5.7): several clients at once, matter counts, moving matters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from clientbook.domain.model import Client
from clientbook.store.children import of_clients
from clientbook.store.deletion import chunks
from clientbook.store.tables import clients, matters

_COLUMNS = [c for c in clients.c if c.name != "deleted_at"] + [clients.c.deleted_at]


def get_clients(
    conn: sa.Connection, *, business_uid: str, client_ids: Sequence[str], for_update: bool = False
) -> dict[str, Client]:
    """The live clients of the business among `client_ids`, by id (locked on PostgreSQL
    when `for_update`)."""
    found: dict[str, Client] = {}
    for part in chunks(client_ids):
        query = sa.select(*_COLUMNS).where(
            clients.c.business_uid == business_uid,
            clients.c.id.in_(part),
            clients.c.deleted_at.is_(None),
        )
        if for_update and conn.dialect.name == "postgresql":
            query = query.with_for_update()
        for row in conn.execute(query):
            found[row.id] = Client(**row._asdict())
    return found


def matter_counts(
    conn: sa.Connection, *, business_uid: str, client_ids: Sequence[str]
) -> dict[str, int]:
    """How many matters each client has (clients without any are absent)."""
    counts: dict[str, int] = {}
    for part in chunks(client_ids):
        rows: Any = conn.execute(
            sa.select(matters.c.client_id, sa.func.count())
            .where(of_clients(matters, business_uid=business_uid, client_ids=part))
            .group_by(matters.c.client_id)
        )
        counts.update({client_id: int(count) for client_id, count in rows})
    return counts


def move_matters(
    conn: sa.Connection, *, business_uid: str, from_ids: Sequence[str], to_id: str
) -> None:
    """Give the matters of `from_ids` to `to_id`."""
    to_created_at = (
        sa.select(clients.c.created_at)
        .where(clients.c.business_uid == business_uid, clients.c.id == to_id)
        .scalar_subquery()
    )
    for part in chunks(from_ids):
        conn.execute(
            matters.update()
            .where(of_clients(matters, business_uid=business_uid, client_ids=part))
            .values(client_created_at=to_created_at, client_id=to_id)
        )
