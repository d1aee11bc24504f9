"""Use cases of one client: create and delete (contract 5.1, 5.5); GET one and PUT are
in service/hot.py."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from clientbook import auth, ids
from clientbook.auth import Principal
from clientbook.domain import deletion, representations
from clientbook.domain.create import NewClient, parse_create
from clientbook.domain.model import Client, ClientView, SourceRecord
from clientbook.errors import Conflict, EntityNotFound
from clientbook.service import common
from clientbook.store import clients as client_store
from clientbook.store import deletion as deletion_store

EMAIL_TAKEN_ON_CREATE = "Client already exist"


def create_client(
    conn: sa.Connection,
    *,
    principal: Principal,
    body: Mapping[str, Any],
    now: datetime,
    key: str,
    client_token_ttl: timedelta,
) -> dict[str, Any]:
    """POST /clients: validate, insert client + source record + default matter, issue a token."""
    business = common.business_of(conn, principal)
    new = parse_create(
        body,
        principal_kind=principal.kind,
        opt_in_enabled=business.opt_in_enabled,
        country=business.country,
    )
    common.check_staff(conn, business_uid=business.uid, staff_id=new.staff_id)
    if new.email is not None and client_store.email_taken(
        conn, business_uid=business.uid, email=new.email
    ):
        raise Conflict(EMAIL_TAKEN_ON_CREATE)
    try:
        client, source = insert_new_client(conn, business_uid=business.uid, new=new, now=now)
    except client_store.EmailTaken:
        raise Conflict(EMAIL_TAKEN_ON_CREATE) from None
    token = auth.issue(
        conn,
        key=key,
        kind="client",
        subject_uid=client.id,
        business_uid=business.uid,
        directory_uid=None,
        now=now,
        ttl=client_token_ttl,
    )
    return {"client": representations.create(client, source), "token": token}


def insert_new_client(
    conn: sa.Connection, *, business_uid: str, new: NewClient, now: datetime
) -> tuple[Client, SourceRecord]:
    """Insert a validated client with its source record and default matter (POST, CSV import).

    Raises client_store.EmailTaken when the live-email index refuses the client.
    """
    client_id = ids.new_uid()
    client = client_store.create_client(
        conn, business_uid=business_uid, client_id=client_id, columns=new.columns, now=now
    )
    source = common.new_source_record(new)
    client_store.create_source_record(
        conn, business_uid=business_uid, record=source, client_id=client_id, now=now
    )
    client_store.create_matter(
        conn,
        business_uid=business_uid,
        matter=common.default_matter(new),
        client_id=client_id,
        now=now,
    )
    return client, source


def delete_client(
    conn: sa.Connection, *, principal: Principal, client_id: str, now: datetime
) -> dict[str, Any]:
    """DELETE /clients/{id}: soft delete (contract 5.5); the deleted client, without matters."""
    stored = client_store.get_client(
        conn, business_uid=principal.business_uid, client_id=client_id, for_update=True
    )
    if stored is None:
        raise EntityNotFound
    view = client_store.view_of(conn, client=stored)
    deletion_store.soft_delete_clients(
        conn, business_uid=principal.business_uid, client_ids=[client_id], now=now
    )
    gone = ClientView(client=deletion.deleted(stored, now=now), source=view.source, matters=[])
    return {"client": representations.single(gone)}
