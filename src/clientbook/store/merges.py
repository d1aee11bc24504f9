"""Merge queries (contract 5.7): several clients at once, matter counts, moving matters."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from clientbook.domain.model import Client
from clientbook.store.children import of_clients
from clientbook.store.deletion import chunks, ids_param
from clientbook.store.tables import clients, matters

if TYPE_CHECKING:
    from clientbook.store.database import Transaction

_COLUMNS = [c for c in clients.c if c.name != "deleted_at"] + [clients.c.deleted_at]


@functools.cache
def _get_clients(for_update: bool) -> sa.Select[Any]:
    query = sa.select(*_COLUMNS).where(
        clients.c.business_uid == sa.bindparam("business_uid"),
        clients.c.id.in_(ids_param()),
        clients.c.deleted_at.is_(None),
    )
    return query.with_for_update() if for_update else query


@functools.cache
def _matter_counts() -> sa.Select[Any]:
    return (
        sa.select(matters.c.client_id, sa.func.count())
        .where(
            of_clients(matters, business_uid=sa.bindparam("business_uid"), client_ids=ids_param())
        )
        .group_by(matters.c.client_id)
    )


@functools.cache
def _move_matters() -> sa.Update:
    business_uid: sa.BindParameter[str] = sa.bindparam("business_uid")
    to_id: sa.BindParameter[str] = sa.bindparam("to_id")
    to_created_at = (
        sa.select(clients.c.created_at)
        .where(clients.c.business_uid == business_uid, clients.c.id == to_id)
        .scalar_subquery()
    )
    return (
        matters.update()
        .where(of_clients(matters, business_uid=business_uid, client_ids=ids_param()))
        .values(client_created_at=to_created_at, client_id=to_id)
    )


async def get_clients(
    tx: Transaction, *, business_uid: str, client_ids: Sequence[str], for_update: bool = False
) -> dict[str, Client]:
    """The live clients of the business among `client_ids`, by id (locked on PostgreSQL
    when `for_update`)."""
    query = _get_clients(for_update and tx.dialect_name == "postgresql")
    found: dict[str, Client] = {}
    for part in chunks(client_ids):
        for row in await tx.execute(query, {"business_uid": business_uid, "ids": list(part)}):
            found[row.id] = Client(**row._asdict())
    return found


async def matter_counts(
    tx: Transaction, *, business_uid: str, client_ids: Sequence[str]
) -> dict[str, int]:
    """How many matters each client has (clients without any are absent)."""
    counts: dict[str, int] = {}
    for part in chunks(client_ids):
        rows = await tx.execute(_matter_counts(), {"business_uid": business_uid, "ids": list(part)})
        counts.update({client_id: int(count) for client_id, count in rows})
    return counts


async def move_matters(
    tx: Transaction, *, business_uid: str, from_ids: Sequence[str], to_id: str
) -> None:
    """Give the matters of `from_ids` to `to_id`."""
    for part in chunks(from_ids):
        params = {"business_uid": business_uid, "ids": list(part), "to_id": to_id}
        await tx.execute(_move_matters(), params)
