"""Whole-business reads for CSV import and export. Every function is scoped by `business_uid`."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from clientbook.domain.model import Client, ClientView, Matter, SourceRecord
from clientbook.store.clients import EmailTaken
from clientbook.store.tables import clients, source_records
from clientbook.store.tables import clients as clients_table
from clientbook.store.tables import matters as matters_table

if TYPE_CHECKING:
    from clientbook.store.database import Transaction


Text = str | None


async def client_keys(
    tx: Transaction, *, business_uid: str
) -> AsyncIterator[tuple[Text, Text, Text, Text]]:
    """(email, first_name, last_name, mobile_phone) of every live client of the business
    (read by one statement, fetched whole)."""
    query = sa.select(
        clients.c.email, clients.c.first_name, clients.c.last_name, clients.c.mobile_phone
    ).where(clients.c.business_uid == business_uid, clients.c.deleted_at.is_(None))
    for row in await tx.execute(query):
        yield row.email, row.first_name, row.last_name, row.mobile_phone


async def iter_live_views(tx: Transaction, *, business_uid: str) -> AsyncIterator[ClientView]:
    """Every live client in creation order with its first source record (no matters),
    read by one query (fetched whole), so the whole business is read from one snapshot
    of each row."""
    source_columns = [
        source_records.c.uid.label("source_uid"),
        source_records.c.name.label("source_name"),
        source_records.c.url.label("source_record_url"),
        source_records.c.channel.label("source_channel"),
        source_records.c.campaign.label("source_campaign"),
    ]
    query = (
        sa.select(*clients.c, *source_columns)
        .select_from(
            clients.outerjoin(
                source_records,
                sa.and_(
                    source_records.c.business_uid == clients.c.business_uid,
                    source_records.c.client_created_at == clients.c.created_at,
                    source_records.c.client_id == clients.c.id,
                ),
            )
        )
        .where(clients.c.business_uid == business_uid, clients.c.deleted_at.is_(None))
        .order_by(
            clients.c.created_at, clients.c.id, source_records.c.created_at, source_records.c.uid
        )
    )
    previous: str | None = None
    for row in await tx.execute(query):
        if row.id == previous:  # a later source record of the same client
            continue
        previous = row.id
        values = row._asdict()
        client = Client(**{name: values[name] for name in Client.__dataclass_fields__})
        source = (
            None
            if values["source_uid"] is None
            else SourceRecord(
                uid=values["source_uid"],
                name=values["source_name"],
                url=values["source_record_url"],
                channel=values["source_channel"],
                campaign=values["source_campaign"],
            )
        )
        yield ClientView(client=client, source=source, matters=[])


async def insert_clients(
    tx: Transaction,
    *,
    business_uid: str,
    clients: Sequence[tuple[str, dict[str, Any], datetime]],
    sources: Sequence[tuple[str, SourceRecord, datetime]],
    matters: Sequence[tuple[str, Matter, datetime]],
) -> None:
    """Insert many new clients (id, columns, now) with their source records and matters,
    one prepared INSERT per table run for every row; raise EmailTaken if the live-email
    index refuses one."""
    if not clients:
        return
    client_rows = [
        {**columns, "business_uid": business_uid, "id": client_id, "created_at": now,
         "updated_at": now}
        for client_id, columns, now in clients
    ]  # fmt: skip
    source_rows = [
        {"business_uid": business_uid, "client_created_at": now, "client_id": client_id,
         "uid": r.uid, "name": r.name, "url": r.url, "channel": r.channel,
         "campaign": r.campaign, "created_at": now}
        for client_id, r, now in sources
    ]  # fmt: skip
    matter_rows = [
        {"business_uid": business_uid, "created_at": now, "uid": m.uid,
         "client_created_at": now, "client_id": client_id, "display_name": m.display_name,
         "fields": m.fields}
        for client_id, m, now in matters
    ]  # fmt: skip
    try:
        async with tx.savepoint():
            await _insert_rows(tx, clients_table, client_rows)
    except sa.exc.IntegrityError as error:
        raise EmailTaken from error
    await _insert_rows(tx, source_records, source_rows)
    await _insert_rows(tx, matters_table, matter_rows)


async def _insert_rows(tx: Transaction, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """One INSERT prepared once and run for every row (the driver's executemany); the
    statement is built and compiled once per table and set of columns."""
    if rows:
        keys = tuple(rows[0])
        params = [{f"v_{key}": row[key] for key in keys} for row in rows]
        await tx.executemany(_insert_statement(table, keys), params)


@functools.cache
def _insert_statement(table: sa.Table, keys: tuple[str, ...]) -> sa.Insert:
    return table.insert().values({key: sa.bindparam(f"v_{key}") for key in keys})
