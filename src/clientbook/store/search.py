"""The list query (contract 5.2): filters, creation order and a page of client views.

Every filter has an index leading with business_uid over live clients (migrations 0001
and 0002); docs/query-plans.md shows the plans.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import util as sql_util
from sqlalchemy.sql import visitors

from clientbook.domain.model import Client, ClientView, SourceRecord
from clientbook.store.children import of_clients
from clientbook.store.database import Transaction
from clientbook.store.tables import clients, search_text, source_records

_COLUMNS = [c for c in clients.c if c.name != "deleted_at"] + [clients.c.deleted_at]
# A page's rows are read by position into Client (faster than by name).
assert [c.name for c in _COLUMNS] == [f.name for f in dataclasses.fields(Client)]
# `updated_at >= T` first reads this many older clients per row of the pages up to the
# one asked for, hoping to find the changed ones among them (_first_changed).
WALK_PER_ROW = 40
MAX_WALK = 20_000


@dataclass(frozen=True, slots=True)
class Filters:
    """What a list request keeps; every field set narrows the result (AND)."""

    email: str | None = None
    uid: str | None = None
    phone_digits: str | None = None
    phone_e164: str | None = None
    phone_search: bool = False
    substring: str | None = None  # a LIKE pattern with `\` as escape character
    updated_since: datetime | None = None
    updated_until: datetime | None = None
    phone_exists: bool | None = None


def list_query(
    *, business_uid: str, filters: Filters, offset: int, limit: int
) -> tuple[sa.Select[Any], dict[str, Any]]:
    """The SELECT of one page and its parameters; also what docs/query-plans.md explains.

    The statement depends only on which filters are set (its shape): it is built once
    per shape, with bound parameters, and reused. Building it is most of a list
    request's cost otherwise (SQLAlchemy makes each CTE and subquery's column
    collections: ~3 ms for the updated_at search, against 1.6 ms for its SQL).
    """
    params: dict[str, Any] = {
        "business_uid": business_uid,
        "email": filters.email.lower() if filters.email is not None else None,
        "uid": filters.uid,
        "phone_digits": filters.phone_digits,
        "phone_e164": filters.phone_e164,
        "substring": filters.substring,
        "updated_since": filters.updated_since,
        "updated_until": filters.updated_until,
        "offset": offset,
        "limit": limit,
        "cut": offset + limit,
        "walk": min(WALK_PER_ROW * (offset + limit), MAX_WALK),
        "all": 2**62,  # no limit: the gathering's LIMIT when the walk fell short
    }
    return _statement(_Shape.of(filters)), params


@dataclass(frozen=True, slots=True)
class _Shape:
    """Which filters a request sets: what the statement's text depends on."""

    email: bool
    uid: bool
    phone_digits: bool
    phone_e164: bool
    phone_search: bool
    substring: bool
    updated_since: bool
    updated_until: bool
    phone_exists: bool | None

    @classmethod
    def of(cls, filters: Filters) -> _Shape:
        return cls(
            email=filters.email is not None,
            uid=filters.uid is not None,
            phone_digits=filters.phone_digits is not None,
            phone_e164=filters.phone_e164 is not None,
            phone_search=filters.phone_search,
            substring=filters.substring is not None,
            updated_since=filters.updated_since is not None,
            updated_until=filters.updated_until is not None,
            phone_exists=filters.phone_exists,
        )


def _param(name: str) -> sa.BindParameter[Any]:
    """A bound parameter; it takes the type of the column it is compared with."""
    return sa.bindparam(name)


@functools.cache
def _statement(shape: _Shape) -> sa.Select[Any]:
    """The page's SELECT for one shape of filters, with bound parameters."""
    business_uid = _param("business_uid")
    offset, limit = _param("offset"), _param("limit")
    query = sa.select(*_COLUMNS).where(
        clients.c.business_uid == business_uid, clients.c.deleted_at.is_(None)
    )
    for condition in _conditions(shape, business_uid=business_uid):
        query = query.where(condition)
    if shape.updated_since and not _exact(shape):
        return _updated_since_query(
            query, since=_param("updated_since"), offset=offset, limit=limit
        )
    if _exact(shape):
        # An exact search matches a handful of clients: find them through their own
        # index first, then sort. Left to itself, PostgreSQL may walk the creation-order
        # index of a big business hoping to meet 25 matches early (seconds at a million).
        matches = query.cte("matches").prefix_with("MATERIALIZED")
        return (
            sa.select(*[matches.c[c.name] for c in _COLUMNS])
            .order_by(matches.c.created_at, matches.c.id)
            .offset(offset)
            .limit(limit)
        )
    return query.order_by(clients.c.created_at, clients.c.id).offset(offset).limit(limit)


def _exact(shape: _Shape) -> bool:
    return shape.email or shape.uid or shape.phone_search


def _updated_since_query(
    query: sa.Select[Any],
    *,
    since: sa.BindParameter[Any],
    offset: sa.BindParameter[Any],
    limit: sa.BindParameter[Any],
) -> sa.Select[Any]:
    """Clients updated at or after `since`, in creation order, without reading every one.

    updated_at >= created_at for every client, so the answer is the clients created
    before `since` and changed since (`_first_changed`), followed by every client
    created from `since` on (the creation-order index, read from `since`). Both parts
    keep every condition of `query`, so the result is exact.
    """
    cut = _param("cut")  # offset + limit
    first_changed = _first_changed(query, since=since, cut=cut)
    created_after = query.where(clients.c.created_at >= since)
    # Each part ordered and cut on its own (a subquery: SQLite refuses ORDER BY / LIMIT
    # on a bare member of a compound SELECT).
    same_client = sa.and_(
        clients.c.business_uid == _param("business_uid"), clients.c.id == first_changed.c.id
    )
    parts = [
        sa.select(*_COLUMNS).join(first_changed, same_client).subquery("changed_first"),
        created_after.order_by(clients.c.created_at, clients.c.id).limit(cut).subquery("created"),
    ]
    both = sa.union_all(*(sa.select(part) for part in parts)).subquery("updated_since")
    return (
        sa.select(*[both.c[c.name] for c in _COLUMNS])
        .order_by(both.c.created_at, both.c.id)
        .offset(offset)
        .limit(limit)
    )


def _first_changed(
    query: sa.Select[Any], *, since: sa.BindParameter[Any], cut: sa.BindParameter[Any]
) -> sa.Subquery:
    """The creation keys of the first `cut` clients created before `since` that match
    `query`, found one of two ways (the second only when the first falls short):

    1. Walk the first `walk` clients created before `since` (the list-order index) and
       keep the matches. When there are `cut` of them, they are the answer: no client
       created earlier was skipped. That is the case when a good share of the older
       clients changed since `since` (an old term, a busy business), where the second
       way is at its slowest.
    2. Gather every changed client's keys from their own partial index, which holds
       every column they are filtered on (an index-only read), and sort them. Left to
       itself, the planner walks the creation order up to `since` hoping to meet them
       early (seconds at a million clients).
    """
    assert query.whereclause is not None  # the business and liveness, at least
    # The walk reads the columns `query` filters on (and the keys), so that its
    # conditions can be re-pointed at the walk's own.
    needed = {c for c in visitors.iterate(query.whereclause) if isinstance(c, sa.Column)}
    needed |= {clients.c.created_at, clients.c.id}
    walk = (
        sa.select(*[c for c in _COLUMNS if c in needed])
        .where(
            clients.c.business_uid == _param("business_uid"),
            clients.c.deleted_at.is_(None),
            clients.c.created_at < since,
        )
        .order_by(clients.c.created_at, clients.c.id)
        .limit(_param("walk"))
        .subquery("walk")
    )
    walked = (
        sa.select(walk.c.created_at, walk.c.id)
        .where(sql_util.ClauseAdapter(walk).traverse(query.whereclause))
        .order_by(walk.c.created_at, walk.c.id)
        .limit(cut)
        .cte("walked")
        .prefix_with("MATERIALIZED")
    )
    enough = sa.select(sa.func.count()).select_from(walked).scalar_subquery() >= cut
    gathered = (
        query.with_only_columns(clients.c.created_at, clients.c.id)
        .where(
            clients.c.updated_at > clients.c.created_at,
            clients.c.created_at < since,
            sa.not_(enough),
        )
        # PostgreSQL skips the index read on the condition above (a one-time filter);
        # SQLite only on this LIMIT 0. `all` is typed: asyncpg leaves its type to
        # PostgreSQL, which would take the CASE's INTEGER (too small for 2**62).
        .limit(sa.case((enough, 0), else_=sa.bindparam("all", type_=sa.BigInteger)))
        .cte("changed_before")
        .prefix_with("MATERIALIZED")
    )
    either = sa.union_all(
        sa.select(walked.c.created_at, walked.c.id).where(enough),
        sa.select(gathered.c.created_at, gathered.c.id),
    ).subquery("either")
    return (
        sa.select(either.c.created_at, either.c.id)
        .order_by(either.c.created_at, either.c.id)
        .limit(cut)
        .subquery("first_changed")
    )


def _conditions(
    shape: _Shape, *, business_uid: sa.BindParameter[Any]
) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if shape.email:
        # `email IS NOT NULL` lets both planners use the partial live-email index.
        conditions.append(clients.c.email.is_not(None))
        conditions.append(sa.func.lower(clients.c.email) == _param("email"))
    if shape.uid:
        conditions.append(clients.c.id == _param("uid"))
    if shape.phone_search:
        # Each alternative repeats the tenant and liveness terms so SQLite can answer it
        # with its own partial index (MULTI-INDEX OR); PostgreSQL makes a BitmapOr.
        live = (clients.c.business_uid == business_uid, clients.c.deleted_at.is_(None))
        alternatives: list[sa.ColumnElement[bool]] = [sa.false()]
        if shape.phone_digits:
            alternatives.append(sa.and_(*live, clients.c.phone_digits == _param("phone_digits")))
        if shape.phone_e164:
            alternatives.append(sa.and_(*live, clients.c.normalized_phone == _param("phone_e164")))
        conditions.append(sa.or_(*alternatives))
    if shape.substring:
        conditions.append(search_text.ilike(_param("substring"), escape="\\"))
    if shape.updated_since:
        conditions.append(clients.c.updated_at >= _param("updated_since"))
    if shape.updated_until:
        conditions.append(clients.c.updated_at <= _param("updated_until"))
    if shape.phone_exists is True:
        conditions.append(
            sa.and_(clients.c.mobile_phone.is_not(None), clients.c.mobile_phone != "")
        )
    elif shape.phone_exists is False:
        conditions.append(sa.or_(clients.c.mobile_phone.is_(None), clients.c.mobile_phone == ""))
    return conditions


async def list_clients(
    tx: Transaction, *, business_uid: str, filters: Filters, offset: int, limit: int
) -> list[ClientView]:
    """One page of live clients in creation order, with their source records."""
    statement, params = list_query(
        business_uid=business_uid, filters=filters, offset=offset, limit=limit
    )
    rows = (await tx.execute(statement, params)).all()
    found = [Client(*row) for row in rows]
    sources = await first_source_records(
        tx, business_uid=business_uid, client_ids=[c.id for c in found]
    )
    return [ClientView(client=c, source=sources.get(c.id), matters=[]) for c in found]


async def first_source_records(
    tx: Transaction, *, business_uid: str, client_ids: Sequence[str]
) -> dict[str, SourceRecord]:
    """Each client's first source record, in one query (a page has at most 100 clients)."""
    if not client_ids:
        return {}
    params = {"business_uid": business_uid, "client_ids": list(client_ids)}
    rows = (await tx.execute(_sources_statement(), params)).all()
    first: dict[str, SourceRecord] = {}
    for row in rows:
        if row.client_id not in first:
            first[row.client_id] = SourceRecord(
                uid=row.uid, name=row.name, url=row.url, channel=row.channel, campaign=row.campaign
            )
    return first


@functools.cache
def _sources_statement() -> sa.Select[Any]:
    """The source records of some clients, oldest first: built once, with bound
    parameters (building it each time was a third of a list request's CPU)."""
    return (
        sa.select(
            source_records.c.client_id,
            source_records.c.uid,
            source_records.c.name,
            source_records.c.url,
            source_records.c.channel,
            source_records.c.campaign,
        )
        .where(
            of_clients(
                source_records,
                business_uid=_param("business_uid"),
                client_ids=sa.bindparam("client_ids", expanding=True),
            )
        )
        .order_by(source_records.c.created_at, source_records.c.uid)
    )
