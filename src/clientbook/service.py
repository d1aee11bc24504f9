"""Use cases: one function each, orchestrating domain rules and store queries.

Nothing here commits: the edge (a request or a CLI command) owns the transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from clientbook import auth, ids
from clientbook.auth import Principal
from clientbook.domain import representations
from clientbook.domain.create import parse_create
from clientbook.domain.model import ClientView, Matter, SourceRecord, matter_display_name
from clientbook.domain.update import parse_update, plan_update
from clientbook.errors import Conflict, EntityNotFound, ValidationFailed
from clientbook.store import clients as client_store
from clientbook.store import principals

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
    client_id = ids.new_uid()
    try:
        client = client_store.create_client(
            conn, business_uid=business.uid, client_id=client_id, columns=new.columns, now=now
        )
    except client_store.EmailTaken:
        raise Conflict(EMAIL_TAKEN_ON_CREATE) from None
    source = SourceRecord(
        uid=ids.new_uid(),
        name=new.source_name,
        url=new.source_url,
        channel=new.source_channel,
        campaign=new.source_campaign,
    )
    client_store.create_source_record(
        conn, business_uid=business.uid, record=source, client_id=client_id, now=now
    )
    matter = Matter(
        uid=ids.new_uid(), display_name=matter_display_name(client.first_name, client.last_name)
    )
    client_store.create_matter(
        conn, business_uid=business.uid, matter=matter, client_id=client_id, now=now
    )
    token = auth.issue(
        conn,
        key=key,
        kind="client",
        subject_uid=client_id,
        business_uid=business.uid,
        directory_uid=None,
        now=now,
        ttl=client_token_ttl,
    )
    return {"client": representations.create(client, source), "token": token}


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
