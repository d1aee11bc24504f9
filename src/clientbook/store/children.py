"""How a client's source records and matters are found: through the client's creation
moment and id (`client_created_at`, `client_id`; see tables.py and migration 0005)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from clientbook.store.tables import clients

Ids = Sequence[str] | sa.BindParameter[Any]


def of_clients(
    table: sa.Table, *, business_uid: str | sa.BindParameter[str], client_ids: Ids
) -> sa.ColumnElement[bool]:
    """`table`'s rows that belong to the clients among `client_ids` (deleted ones
    included): their (created_at, id) read from the clients' primary key."""
    keys = sa.select(clients.c.created_at, clients.c.id).where(
        clients.c.business_uid == business_uid, clients.c.id.in_(client_ids)
    )
    return sa.and_(
        table.c.business_uid == business_uid,
        sa.tuple_(table.c.client_created_at, table.c.client_id).in_(keys),
    )
