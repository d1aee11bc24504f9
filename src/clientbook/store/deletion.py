"""Soft delete (contract 5.5), shared by DELETE and merges; and the id-set helpers
the set-based statements share."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from clientbook.store.children import of_clients
from clientbook.store.tables import UID, Moment, clients, matters, source_records

if TYPE_CHECKING:
    from clientbook.store.database import Transaction

# Bound parameters per IN-list on SQLite: far below its variable limit (32766 since
# 3.32, 999 before).
CHUNK = 900


def chunks(values: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    """`values` in slices of at most `size`."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def ids_param(name: str = "ids") -> sa.BindParameter[Any]:
    """An expanding IN-list parameter: `column.in_(ids_param())`, bound to a list."""
    return sa.bindparam(name, expanding=True)


def among(
    dialect_name: str, column: sa.ColumnElement[str], name: str = "ids"
) -> sa.ColumnElement[bool]:
    """The condition `column IN :name`: on PostgreSQL a single `= ANY(array)` (one
    parameter, planned once), on SQLite an expanding IN-list. Bind it with `id_lists`."""
    if dialect_name == "postgresql":
        return column == sa.any_(sa.bindparam(name, type_=ARRAY(UID)))
    return column.in_(ids_param(name))


def id_lists(dialect_name: str, values: Sequence[str]) -> Iterator[list[str]]:
    """The values of `among`'s parameter, one statement's worth each: all of them on
    PostgreSQL, chunks on SQLite; nothing when `values` is empty."""
    if not values:
        return
    if dialect_name == "postgresql":
        yield list(values)
        return
    for part in chunks(values):
        yield list(part)


@functools.cache
def _soft_delete_statements() -> tuple[sa.Update, sa.Update, sa.Update]:
    """Detach matters, mark source records deleted, mark clients deleted: built once."""
    business_uid: sa.BindParameter[str] = sa.bindparam("business_uid")
    now = sa.bindparam("now", type_=Moment)
    detach_matters = (
        matters.update()
        .where(of_clients(matters, business_uid=business_uid, client_ids=ids_param()))
        .values(client_created_at=None, client_id=None)
    )
    delete_sources = (
        source_records.update()
        .where(
            of_clients(source_records, business_uid=business_uid, client_ids=ids_param()),
            source_records.c.deleted_at.is_(None),
        )
        .values(deleted_at=now)
    )
    delete_clients = (
        clients.update()
        .where(
            clients.c.business_uid == business_uid,
            clients.c.id.in_(ids_param()),
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
    return detach_matters, delete_sources, delete_clients


async def soft_delete_clients(
    tx: Transaction, *, business_uid: str, client_ids: Sequence[str], now: datetime
) -> None:
    """Mark live clients deleted: status inactive, email freed as `<email>.d<id>`,
    matters detached, source records marked deleted."""
    # Few ids (one for DELETE, at most 101 for a merge): plain IN-lists.
    statements = _soft_delete_statements()
    for part in chunks(client_ids):
        params = {"business_uid": business_uid, "ids": list(part), "now": now}
        for statement in statements:
            await tx.execute(statement, params)
