"""Client, source record and matter queries. Every function is scoped by `business_uid`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from clientbook.domain.model import Client, ClientView, Matter, SourceRecord
from clientbook.store.tables import clients, matters, source_records

if TYPE_CHECKING:  # database.py imports EmailTaken from here
    from clientbook.store.database import Transaction

_CLIENT_COLUMNS = [c for c in clients.c if c.name != "deleted_at"] + [clients.c.deleted_at]


class EmailTaken(Exception):
    """The live-email unique index refused a write."""


def _client(row: Any) -> Client:
    return Client(**row._asdict())


async def get_client(
    tx: Transaction, *, business_uid: str, client_id: str, for_update: bool = False
) -> Client | None:
    """A live client of the business, or None (deleted and foreign clients included)."""
    lock = for_update and tx.dialect_name == "postgresql"
    query = _GET_CLIENT_FOR_UPDATE if lock else _GET_CLIENT
    result = await tx.execute(query, {"business_uid": business_uid, "client_id": client_id})
    row = result.first()
    return None if row is None else _client(row)


# The hot statements are built once: building and cache-keying them per call costs more
# than running them.
_GET_CLIENT = sa.select(*_CLIENT_COLUMNS).where(
    clients.c.business_uid == sa.bindparam("business_uid"),
    clients.c.id == sa.bindparam("client_id"),
    clients.c.deleted_at.is_(None),
)
_GET_CLIENT_FOR_UPDATE = _GET_CLIENT.with_for_update()
_GET_SOURCE = (
    sa.select(
        source_records.c.uid,
        source_records.c.name,
        source_records.c.url,
        source_records.c.channel,
        source_records.c.campaign,
    )
    .where(
        source_records.c.business_uid == sa.bindparam("business_uid"),
        source_records.c.client_created_at == sa.bindparam("client_created_at"),
        source_records.c.client_id == sa.bindparam("client_id"),
    )
    .order_by(source_records.c.created_at, source_records.c.uid)
    .limit(1)
)
# Not ordered in SQL (see tables.matters): sorted by (created_at, uid) once read.
_GET_MATTERS = sa.select(
    matters.c.created_at, matters.c.uid, matters.c.display_name, matters.c.fields
).where(
    matters.c.business_uid == sa.bindparam("business_uid"),
    matters.c.client_created_at == sa.bindparam("client_created_at"),
    matters.c.client_id == sa.bindparam("client_id"),
)


async def get_view(tx: Transaction, *, business_uid: str, client_id: str) -> ClientView | None:
    """A live client with its source record and matters."""
    client = await get_client(tx, business_uid=business_uid, client_id=client_id)
    if client is None:
        return None
    return await view_of(tx, client=client)


async def view_of(tx: Transaction, *, client: Client) -> ClientView:
    """Join a client's source record and matters."""
    keys = {
        "business_uid": client.business_uid,
        "client_created_at": client.created_at,
        "client_id": client.id,
    }
    source_row = (await tx.execute(_GET_SOURCE, keys)).first()
    source = None if source_row is None else SourceRecord(**source_row._asdict())
    matter_rows = sorted(await tx.execute(_GET_MATTERS, keys), key=lambda r: (r.created_at, r.uid))
    return ClientView(
        client=client,
        source=source,
        matters=[
            Matter(uid=r.uid, display_name=r.display_name, fields=r.fields) for r in matter_rows
        ],
    )


async def email_taken(
    tx: Transaction, *, business_uid: str, email: str, except_id: str | None = None
) -> bool:
    """Whether a live client of the business has this email (case-insensitively)."""
    query = email_taken_query(business_uid=business_uid, email=email, except_id=except_id)
    return (await tx.execute(query)).first() is not None


def email_taken_query(
    *, business_uid: str, email: str, except_id: str | None = None
) -> sa.Select[Any]:
    """The uniqueness check's query (its plan is tested: it must use the live-email index)."""
    query = sa.select(sa.literal(1)).where(
        clients.c.business_uid == business_uid,
        # Repeats the partial index's predicate so both planners can use it: neither
        # infers `email IS NOT NULL` from a condition on lower(email).
        clients.c.email.is_not(None),
        sa.func.lower(clients.c.email) == email.lower(),
        clients.c.deleted_at.is_(None),
    )
    if except_id is not None:
        query = query.where(clients.c.id != except_id)
    return query.limit(1)


async def update_client(
    tx: Transaction, *, business_uid: str, client_id: str, changes: dict[str, Any]
) -> None:
    """Write only the changed columns, so concurrent PUTs of other fields are kept."""
    statement = (
        clients.update()
        .where(clients.c.business_uid == business_uid, clients.c.id == client_id)
        .values(**changes)
    )
    if "email" not in changes:
        # Only the live-email index can refuse this UPDATE: no SAVEPOINT round trips.
        await tx.execute(statement)
        return
    try:
        async with tx.savepoint():
            await tx.execute(statement)
    except sa.exc.IntegrityError as error:
        raise EmailTaken from error
