"""Use cases: one function each, orchestrating domain rules and store queries.

Nothing here commits: the edge (a request or a CLI command) owns the transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from clientbook import auth, ids
from clientbook.auth import Principal
from clientbook.domain import bulk, csv_rows, deletion, listing, merging, representations
from clientbook.domain.create import NewClient, parse_create
from clientbook.domain.model import Client, ClientView, Matter, SourceRecord, matter_display_name
from clientbook.domain.update import parse_update, plan_update
from clientbook.errors import Conflict, ContactNotFound, EntityNotFound, ValidationFailed
from clientbook.store import bulk as bulk_store
from clientbook.store import clients as client_store
from clientbook.store import deletion as deletion_store
from clientbook.store import merges as merge_store
from clientbook.store import principals
from clientbook.store import search as search_store
from clientbook.store import transfer as transfer_store

EMAIL_TAKEN_ON_CREATE = "Client already exist"
EMAIL_TAKEN_ON_UPDATE = "Validation failed: Email has already been taken"


@dataclass(frozen=True, slots=True)
class Updated:
    """A PUT's outcome: the response body and the fields it ignored."""

    body: dict[str, Any]
    ignored: list[str]


def _business(conn: sa.Connection, principal: Principal) -> principals.Business:
    business = principals.get_business(conn, business_uid=principal.business_uid)
    if business is None:  # a token's business is checked by authenticate; defensive
        raise EntityNotFound
    return business


def _check_staff(conn: sa.Connection, *, business_uid: str, staff_id: str | None) -> None:
    if staff_id is not None and not principals.staff_exists(
        conn, business_uid=business_uid, staff_uid=staff_id
    ):
        raise ValidationFailed("staff_id", "is invalid")


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
    business = _business(conn, principal)
    new = parse_create(
        body,
        principal_kind=principal.kind,
        opt_in_enabled=business.opt_in_enabled,
        country=business.country,
    )
    _check_staff(conn, business_uid=business.uid, staff_id=new.staff_id)
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
    source = SourceRecord(
        uid=ids.new_uid(),
        name=new.source_name,
        url=new.source_url,
        channel=new.source_channel,
        campaign=new.source_campaign,
    )
    client_store.create_source_record(
        conn, business_uid=business_uid, record=source, client_id=client_id, now=now
    )
    matter = Matter(
        uid=ids.new_uid(), display_name=matter_display_name(client.first_name, client.last_name)
    )
    client_store.create_matter(
        conn, business_uid=business_uid, matter=matter, client_id=client_id, now=now
    )
    return client, source


def get_client(conn: sa.Connection, *, principal: Principal, client_id: str) -> dict[str, Any]:
    """GET /clients/{id}: the single representation, or 404."""
    view = _view(conn, principal=principal, client_id=client_id)
    return {"client": representations.single(view)}


def _view(conn: sa.Connection, *, principal: Principal, client_id: str) -> ClientView:
    view = client_store.get_view(conn, business_uid=principal.business_uid, client_id=client_id)
    if view is None:
        raise EntityNotFound
    return view


def update_client(
    conn: sa.Connection,
    *,
    principal: Principal,
    client_id: str,
    body: Mapping[str, Any],
    now: datetime,
) -> Updated:
    """PUT /clients/{id}: contract 5.4, applied whole or not at all."""
    business = _business(conn, principal)
    request = parse_update(body, opt_in_enabled=business.opt_in_enabled)
    _check_staff(conn, business_uid=business.uid, staff_id=request.staff_id)
    stored = client_store.get_client(
        conn, business_uid=business.uid, client_id=client_id, for_update=True
    )
    if stored is None:
        raise EntityNotFound
    changes = plan_update(stored, request, country=business.country)
    if not changes:
        return Updated(body={"client": representations.update(stored)}, ignored=request.ignored)
    if "email" in changes and client_store.email_taken(
        conn, business_uid=business.uid, email=changes["email"], except_id=client_id
    ):
        raise Conflict(EMAIL_TAKEN_ON_UPDATE)
    changes["updated_at"] = now
    try:
        client_store.update_client(
            conn, business_uid=business.uid, client_id=client_id, changes=changes
        )
    except client_store.EmailTaken:
        raise Conflict(EMAIL_TAKEN_ON_UPDATE) from None
    # The row is locked for this transaction (FOR UPDATE / BEGIN IMMEDIATE): what we
    # read plus what we wrote is what is stored.
    updated = dataclasses.replace(stored, **changes)
    return Updated(body={"client": representations.update(updated)}, ignored=request.ignored)


def list_clients(
    conn: sa.Connection, *, principal: Principal, query: listing.ListQuery
) -> dict[str, Any]:
    """GET /clients: one page of live clients in creation order (contract 5.2)."""
    business = _business(conn, principal)
    term, by = query.search_term, query.search_by
    phone = listing.phone_term(term, country=business.country) if by == "phone" and term else None
    filters = search_store.Filters(
        email=term if by == "email" else None,
        uid=term if by == "uid" else None,
        phone_search=phone is not None,
        phone_digits=phone.digits if phone else None,
        phone_e164=phone.e164 if phone else None,
        substring=listing.like_pattern(term) if term is not None and by is None else None,
        updated_since=listing.updated_since(query),
        updated_until=query.updated_to,
        phone_exists=query.phone_exists,
    )
    views = search_store.list_clients(
        conn,
        business_uid=business.uid,
        filters=filters,
        offset=query.offset,
        limit=query.per_page,
    )
    return {"clients": [representations.list_item(view) for view in views]}


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


BULK_DONE = "Clients updated successfully"
BULK_NOTHING = "No clients updated"


def bulk_update_opt_in(
    conn: sa.Connection, *, principal: Principal, body: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """PUT /clients/bulk: set opt_in on up to 5000 clients, all or nothing (contract 5.6)."""
    business = _business(conn, principal)
    items = bulk.parse_bulk(body)
    if not items:
        return {"updated": False, "count": 0, "message": BULK_NOTHING}
    found = bulk_store.live_ids(
        conn, business_uid=business.uid, client_ids=[item.id for item in items], lock=True
    )
    missing = bulk.first_missing(items, found)
    if missing is not None:
        raise missing
    if not business.opt_in_enabled:
        return {"updated": False, "count": 0, "message": BULK_NOTHING}
    for opt_in in (True, False):
        bulk_store.set_opt_in(
            conn,
            business_uid=business.uid,
            client_ids=[item.id for item in items if item.opt_in is opt_in],
            opt_in=opt_in,
            now=now,
        )
    return {"updated": True, "count": len(items), "message": BULK_DONE}


def _merge_parties(
    conn: sa.Connection, *, business_uid: str, client_ids: list[str], lock: bool
) -> dict[str, Client]:
    """The named clients, or 404 `This contact doesn't exist` for the first missing one."""
    found = merge_store.get_clients(
        conn, business_uid=business_uid, client_ids=client_ids, for_update=lock
    )
    if any(uid not in found for uid in client_ids):
        raise ContactNotFound
    return found


def possible_merge_masters(
    conn: sa.Connection, *, principal: Principal, params: Mapping[str, str]
) -> dict[str, Any]:
    """GET merges/possible_merge_master: the given ids whose client has at most one matter."""
    client_ids = merging.parse_candidates(params)
    business_uid = principal.business_uid
    _merge_parties(conn, business_uid=business_uid, client_ids=client_ids, lock=False)
    counts = merge_store.matter_counts(conn, business_uid=business_uid, client_ids=client_ids)
    masters = [uid for uid in client_ids if merging.can_be_master(counts.get(uid, 0))]
    return {"master_ids": masters}


def merge_clients(
    conn: sa.Connection, *, principal: Principal, params: Mapping[str, str], now: datetime
) -> dict[str, Any]:
    """PUT merges/merge_clients: fold the sources into the master, all or nothing (5.7)."""
    request = merging.parse_merge(params)
    business_uid = principal.business_uid
    found = _merge_parties(conn, business_uid=business_uid, client_ids=request.all_ids, lock=True)
    counts = merge_store.matter_counts(conn, business_uid=business_uid, client_ids=request.all_ids)
    merging.check_matters(request, counts)
    changes = merging.merge_changes(
        found[request.master_id], [found[uid] for uid in request.source_ids]
    )
    changes["updated_at"] = now
    merge_store.move_matters(
        conn, business_uid=business_uid, from_ids=request.source_ids, to_id=request.master_id
    )
    # The sources go first: their emails are freed before the master may take one.
    deletion_store.soft_delete_clients(
        conn, business_uid=business_uid, client_ids=request.source_ids, now=now
    )
    client_store.update_client(
        conn, business_uid=business_uid, client_id=request.master_id, changes=changes
    )
    view = _view(conn, principal=principal, client_id=request.master_id)
    return {"master_ids": [request.master_id], "clients": [representations.single(view)]}


class DuplicateRow(Exception):
    """An imported row is a client that is already there (docs/decisions.md)."""


IMPORT_PRINCIPAL_KIND = "import"  # source label "Initiated by import"


@dataclass(frozen=True, slots=True)
class ImportedClient:
    """A CSV row that passed the POST rules and is not a duplicate, ready to insert."""

    new: NewClient
    key: tuple[str, ...]
    now: datetime


def prepare_import(
    conn: sa.Connection,
    *,
    business: principals.Business,
    body: Mapping[str, Any],
    now: datetime,
    known: set[tuple[str, ...]],
) -> ImportedClient:
    """CSV import of one row: the POST rules (5.1), then the duplicate rule.

    `known` holds the dedupe keys of the business's clients and of the rows prepared so
    far; the row's key is added. Raises AppError (rejected) or DuplicateRow.
    """
    new = parse_create(
        body,
        principal_kind=IMPORT_PRINCIPAL_KIND,
        opt_in_enabled=business.opt_in_enabled,
        country=business.country,
    )
    _check_staff(conn, business_uid=business.uid, staff_id=new.staff_id)
    key = csv_rows.dedupe_key(new)
    if key in known:
        raise DuplicateRow(csv_rows.duplicate_reason(key))
    known.add(key)
    return ImportedClient(new=new, key=key, now=now)


def insert_imported(
    conn: sa.Connection, *, business_uid: str, rows: Sequence[ImportedClient]
) -> None:
    """Insert prepared rows with their source records and default matters, in three
    statements (no client tokens: an import has nobody to hand them to).

    Raises client_store.EmailTaken when the live-email index refuses one of them.
    """
    clients, sources, matters = [], [], []
    for row in rows:
        client_id = ids.new_uid()
        first, last = row.new.columns["first_name"], row.new.columns.get("last_name")
        clients.append((client_id, row.new.columns, row.now))
        sources.append(
            (
                client_id,
                SourceRecord(
                    uid=ids.new_uid(),
                    name=row.new.source_name,
                    url=row.new.source_url,
                    channel=row.new.source_channel,
                    campaign=row.new.source_campaign,
                ),
                row.now,
            )
        )
        matter = Matter(uid=ids.new_uid(), display_name=matter_display_name(first, last))
        matters.append((client_id, matter, row.now))
    transfer_store.insert_clients(
        conn, business_uid=business_uid, clients=clients, sources=sources, matters=matters
    )
