"""Whole-business reads for CSV import and export. Every function is scoped by `business_uid`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from clientbook.domain.model import Client, ClientView, Matter, SourceRecord
from clientbook.store.clients import EmailTaken
from clientbook.store.tables import clients, source_records
from clientbook.store.tables import clients as clients_table
from clientbook.store.tables import matters as matters_table

_STREAM_ROWS = 1000


Text = str | None


def client_keys(
    conn: sa.Connection, *, business_uid: str
) -> Iterator[tuple[Text, Text, Text, Text]]:
    """(email, first_name, last_name, mobile_phone) of every live client of the business."""
    query = sa.select(
        clients.c.email, clients.c.first_name, clients.c.last_name, clients.c.mobile_phone
    ).where(clients.c.business_uid == business_uid, clients.c.deleted_at.is_(None))
    streamed = conn.execution_options(stream_results=True, yield_per=_STREAM_ROWS)
    for row in streamed.execute(query):
        yield row.email, row.first_name, row.last_name, row.mobile_phone


def iter_live_views(conn: sa.Connection, *, business_uid: str) -> Iterator[ClientView]:
    """Every live client in creation order with its first source record (no matters),
    streamed by one query, so the whole business is read from one snapshot of each row."""
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
    streamed = conn.execution_options(stream_results=True, yield_per=_STREAM_ROWS)
    previous: str | None = None
    for row in streamed.execute(query):
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


def insert_clients(
    conn: sa.Connection,
    *,
    business_uid: str,
    clients: Sequence[tuple[str, dict[str, Any], datetime]],
    sources: Sequence[tuple[str, SourceRecord, datetime]],
    matters: Sequence[tuple[str, Matter, datetime]],
) -> None:
    """Insert many new clients (id, columns, now) with their source records and matters,
    one statement per table; raise EmailTaken if the live-email index refuses one."""
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
        with conn.begin_nested():
            conn.execute(clients_table.insert(), client_rows)
    except sa.exc.IntegrityError as error:
        raise EmailTaken from error
    conn.execute(source_records.insert(), source_rows)
    conn.execute(matters_table.insert(), matter_rows)
