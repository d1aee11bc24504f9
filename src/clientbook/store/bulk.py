"""Bulk opt-in (contract 5.6): set-based statements, one per 900 ids on SQLite and one
in all on PostgreSQL (`= ANY(array)`), never one per client."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from clientbook.store.deletion import among, id_lists
from clientbook.store.tables import Moment, clients

if TYPE_CHECKING:
    from clientbook.store.database import Transaction


@functools.cache
def _live_ids(dialect_name: str, lock: bool) -> sa.Select[tuple[str]]:
    query = sa.select(clients.c.id).where(
        clients.c.business_uid == sa.bindparam("business_uid"),
        among(dialect_name, clients.c.id),
        clients.c.deleted_at.is_(None),
    )
    return query.with_for_update() if lock else query


@functools.cache
def _set_opt_in(dialect_name: str, opt_in: bool) -> sa.Update:
    """One statement per value, as before: the value is written into the SQL's WHERE."""
    return (
        clients.update()
        .where(
            clients.c.business_uid == sa.bindparam("business_uid"),
            among(dialect_name, clients.c.id),
            clients.c.deleted_at.is_(None),
            sa.or_(clients.c.opt_in.is_(None), clients.c.opt_in != opt_in),
        )
        .values(opt_in=opt_in, updated_at=sa.bindparam("now", type_=Moment))
    )


async def live_ids(
    tx: Transaction, *, business_uid: str, client_ids: Sequence[str], lock: bool = False
) -> set[str]:
    """Which of `client_ids` are live clients of the business (locked for update on
    PostgreSQL when `lock`, so none is deleted before the transaction ends)."""
    dialect_name = tx.dialect_name
    query = _live_ids(dialect_name, lock and dialect_name == "postgresql")
    found: set[str] = set()
    for part in id_lists(dialect_name, client_ids):
        result = await tx.execute(query, {"business_uid": business_uid, "ids": part})
        found.update(result.scalars())
    return found


async def set_opt_in(
    tx: Transaction,
    *,
    business_uid: str,
    client_ids: Sequence[str],
    opt_in: bool,
    now: datetime,
) -> int:
    """Set opt_in on live clients; only rows whose value changes get a new updated_at.
    Returns how many rows changed."""
    dialect_name = tx.dialect_name
    statement = _set_opt_in(dialect_name, opt_in)
    changed = 0
    for part in id_lists(dialect_name, client_ids):
        params = {"business_uid": business_uid, "ids": part, "now": now}
        result = await tx.execute(statement, params)
        changed += result.rowcount
    return changed
