"""Use cases of one client outside the hot path: delete (contract 5.5), and the inserts a
CSV import shares with POST's rules. POST, GET one and PUT are in service/hot.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from clientbook import ids
from clientbook.auth import Principal
from clientbook.domain import deletion, representations
from clientbook.domain.create import NewClient
from clientbook.domain.model import Client, ClientView, SourceRecord
from clientbook.errors import EntityNotFound
from clientbook.service import common
from clientbook.store import clients as client_store
from clientbook.store import deletion as deletion_store
from clientbook.store.direct import Transaction


async def insert_new_client(
    tx: Transaction, *, business_uid: str, new: NewClient, now: datetime
) -> tuple[Client, SourceRecord]:
    """Insert a validated client with its source record and default matter (POST, CSV import).

    Raises client_store.EmailTaken when the live-email index refuses the client.
    """
    client_id = ids.new_uid()
    client = await client_store.create_client(
        tx, business_uid=business_uid, client_id=client_id, columns=new.columns, now=now
    )
    source = common.new_source_record(new)
    await client_store.create_source_record(tx, record=source, client=client, now=now)
    await client_store.create_matter(tx, matter=common.default_matter(new), client=client, now=now)
    return client, source


async def delete_client(
    tx: Transaction, *, principal: Principal, client_id: str, now: datetime
) -> dict[str, Any]:
    """DELETE /clients/{id}: soft delete (contract 5.5); the deleted client, without matters."""
    stored = await client_store.get_client(
        tx, business_uid=principal.business_uid, client_id=client_id, for_update=True
    )
    if stored is None:
        raise EntityNotFound
    view = await client_store.view_of(tx, client=stored)
    await deletion_store.soft_delete_clients(
        tx, business_uid=principal.business_uid, client_ids=[client_id], now=now
    )
    gone = ClientView(client=deletion.deleted(stored, now=now), source=view.source, matters=[])
    return {"client": representations.single(gone)}
