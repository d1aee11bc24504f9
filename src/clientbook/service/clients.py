"""The use cases of one client: POST, GET one, PUT and DELETE (contract 5.1, 5.3, 5.4, 5.5).

Both keep the contract's order of checks: 401/403, then the rate limit (`admit`), then
415/400/422 for a PUT body, then 404, then 409. The database is asked as little as
possible: one statement authorises and reads (the client is locked for a PUT); only a
miss asks again, to tell 401 from 404.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from clientbook import auth, ids
from clientbook.auth import Principal
from clientbook.domain import deletion, representations
from clientbook.domain.create import parse_create
from clientbook.domain.model import Client, ClientView
from clientbook.domain.update import parse_update, plan_update
from clientbook.errors import (
    AppError,
    Conflict,
    EntityNotFound,
    Unauthorized,
    ValidationFailed,
)
from clientbook.service import access as access_rules
from clientbook.service import common
from clientbook.store import clients as client_store
from clientbook.store import deletion as deletion_store
from clientbook.store.clients import EmailTaken
from clientbook.store.database import Access, DirectStore, NewRows, RowChanged, Transaction
from clientbook.store.direct_sql import CLIENT_COLUMNS, SOURCE_COLUMNS

EMAIL_TAKEN_ON_CREATE = "Client already exist"
EMAIL_TAKEN_ON_UPDATE = "Validation failed: Email has already been taken"
# A new client's columns that neither the request nor the service sets.
_UNSET = dict.fromkeys(CLIENT_COLUMNS)
# A PUT reads and writes its row optimistically this many times less one, then locks it.
UPDATE_TRIES = 3


@dataclass(frozen=True, slots=True)
class Updated:
    """A PUT's outcome: the response body and the fields it ignored."""

    body: dict[str, Any]
    ignored: list[str]


# Called once the principal is known to be live, with the business it acts on.
Admit = Callable[[str], Awaitable[None]]


async def _acting_business(store: DirectStore, access: Access) -> str:
    """The business the request acts on (service/access.py), asking the database only
    when the token names none itself."""
    if access.business_uid is not None:
        return access.business_uid
    async with store.reading() as tx:
        return await access_rules.acting_business(tx, access)


async def get_client(
    store: DirectStore, *, access: Access, client_id: str, admit: Admit
) -> dict[str, Any]:
    """GET /clients/{id}: the single representation, or 404."""
    business_uid = access.business_uid or await _acting_business(store, access)
    async with store.reading() as tx:
        client = await tx.single(access, client_id)
        if client is None and await tx.business(access) is None:
            raise Unauthorized
    await admit(business_uid)
    if client is None:
        raise EntityNotFound
    return {"client": client}


async def update_client(
    store: DirectStore,
    *,
    access: Access,
    client_id: str,
    body: dict[str, Any] | AppError,
    now: datetime,
    admit: Admit,
) -> Updated:
    """PUT /clients/{id}: contract 5.4, applied whole or not at all.

    `body` is the parsed JSON object, or the 415/400/422 it earned (raised in its turn).
    A try that finds its row written by another request since it read it wrote nothing
    (store.updating): it reads again and applies the request to what is there now.
    """
    business_uid = access.business_uid or await _acting_business(store, access)
    admitted = False

    async def admit_once(uid: str) -> None:  # a request counts once, however many tries
        nonlocal admitted
        if not admitted:
            admitted = True
            await admit(uid)

    for attempt in range(UPDATE_TRIES):
        try:
            async with store.updating(last_try=attempt == UPDATE_TRIES - 1) as tx:
                return await _update(
                    tx, access=access, business_uid=business_uid, client_id=client_id,
                    body=body, now=now, admit=admit_once,
                )  # fmt: skip
        except RowChanged:
            continue
    raise AssertionError("the last try locks the row: it cannot find it changed")


async def _update(
    tx: Transaction,
    *,
    access: Access,
    business_uid: str,
    client_id: str,
    body: dict[str, Any] | AppError,
    now: datetime,
    admit: Admit,
) -> Updated:
    found = await tx.locked(access, client_id)
    business = found[1] if found else await tx.business(access)
    if business is None:
        raise Unauthorized
    await admit(business_uid)
    if isinstance(body, AppError):
        raise body
    request = parse_update(body, opt_in_enabled=business.opt_in_enabled)
    staff_id = request.staff_id
    if staff_id is not None and not await tx.staff_exists(business_uid, staff_id):
        raise ValidationFailed("staff_id", "is invalid")
    if found is None:
        raise EntityNotFound
    stored = found[0]
    changes = plan_update(stored, request, country=business.country)
    if not changes:
        return Updated(body={"client": representations.update(stored)}, ignored=request.ignored)
    email = changes.get("email")
    if email is not None and await tx.email_taken(business_uid, email, client_id):
        raise Conflict(EMAIL_TAKEN_ON_UPDATE)
    changes["updated_at"] = now
    try:
        await tx.update(business_uid, client_id, changes)
    except EmailTaken:
        raise Conflict(EMAIL_TAKEN_ON_UPDATE) from None
    # The row was locked (FOR UPDATE / BEGIN IMMEDIATE), or written only as the version
    # read: what we read plus what we wrote is what is stored.
    updated = dataclasses.replace(stored, **changes)
    return Updated(body={"client": representations.update(updated)}, ignored=request.ignored)


async def create_client(
    store: DirectStore,
    *,
    access: Access,
    body: dict[str, Any] | AppError,
    now: datetime,
    key: str,
    client_token_ttl: timedelta,
    admit: Admit,
) -> dict[str, Any]:
    """POST /clients: contract 5.1. The client, its source record and default matter, and
    a client token, written in one transaction; the live-email index refuses a taken
    email (409) however many requests race for it."""
    business_uid = access.business_uid or await _acting_business(store, access)
    # Its reads (the business, the staff member) only decide; its rows are one statement.
    async with store.writing_once() as tx:
        business = await tx.business(access)
        if business is None:
            raise Unauthorized
        await admit(business_uid)
        if isinstance(body, AppError):
            raise body
        new = parse_create(
            body,
            principal_kind=access.token.kind,
            opt_in_enabled=business.opt_in_enabled,
            country=business.country,
        )
        staff_id = new.staff_id
        if staff_id is not None and not await tx.staff_exists(business_uid, staff_id):
            raise ValidationFailed("staff_id", "is invalid")
        client_id = ids.new_uid()
        # The row as inserted: the validated columns, then those every new client sets.
        row = {
            **new.columns,
            "business_uid": business_uid,
            "id": client_id,
            "created_at": now,
            "updated_at": now,
        }
        client = Client(**{**_UNSET, **row})
        source = common.new_source_record(new)
        matter = common.default_matter(new)
        signed = auth.sign(
            key=key,
            kind="client",
            subject_uid=client_id,
            business_uid=business_uid,
            directory_uid=None,
            now=now,
            ttl=client_token_ttl,
        )
        rows = NewRows(
            client=row,
            source={
                "business_uid": business_uid,
                "client_created_at": now,
                "client_id": client_id,
                "created_at": now,
                **{name: getattr(source, name) for name in SOURCE_COLUMNS},
            },
            matter={
                "business_uid": business_uid,
                "created_at": now,
                "uid": matter.uid,
                "client_created_at": now,
                "client_id": client_id,
                "display_name": matter.display_name,
                "fields": matter.fields,
            },
            token={
                "jti": signed.record.jti,
                "kind": signed.record.kind,
                "subject_uid": signed.record.subject_uid,
                "business_uid": signed.record.business_uid,
                "directory_uid": signed.record.directory_uid,
                "issued_at": signed.issued_at,
                "expires_at": signed.expires_at,
            },
        )
        try:
            await tx.create(rows)
        except EmailTaken:
            raise Conflict(EMAIL_TAKEN_ON_CREATE) from None
    return {"client": representations.create(client, source), "token": signed.token}


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
