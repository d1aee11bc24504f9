"""Bulk opt-in (contract 5.6): set-based statements, one per 900 ids on SQLite and one
in all on PostgreSQL (`= ANY(array)`), never one per client."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from clientbook.store.deletion import among
from clientbook.store.tables import clients


def live_ids(
    conn: sa.Connection, *, business_uid: str, client_ids: Sequence[str], lock: bool = False
) -> set[str]:
    """Which of `client_ids` are live clients of the business (locked for update on
    PostgreSQL when `lock`, so none is deleted before the transaction ends)."""
    found: set[str] = set()
    for condition in among(conn, clients.c.id, client_ids):
        query = sa.select(clients.c.id).where(
            clients.c.business_uid == business_uid,
            condition,
            clients.c.deleted_at.is_(None),
        )
        if lock and conn.dialect.name == "postgresql":
            query = query.with_for_update()
        found.update(conn.execute(query).scalars())
    return found


def set_opt_in(
    conn: sa.Connection,
    *,
    business_uid: str,
    client_ids: Sequence[str],
    opt_in: bool,
    now: datetime,
) -> int:
    """Set opt_in on live clients; only rows whose value changes get a new updated_at.
    Returns how many rows changed."""
    changed = 0
    for condition in among(conn, clients.c.id, client_ids):
        result = conn.execute(
            clients.update()
            .where(
                clients.c.business_uid == business_uid,
                condition,
                clients.c.deleted_at.is_(None),
                sa.or_(clients.c.opt_in.is_(None), clients.c.opt_in != opt_in),
            )
            .values(opt_in=opt_in, updated_at=now)
        )
        changed += result.rowcount
    return changed
