"""The hand-written SQL of POST, GET one and PUT (store/database.py), written once per purpose.

Each statement is text with `:name` parameters, rendered for a dialect: SQLite takes it
as is; PostgreSQL (asyncpg) gets `$n` placeholders. (POST's four INSERTs on SQLite are
the exception: `?` placeholders bound from each row in order, see `create`.) Every
statement that reads or writes for a token also checks it (issued as claimed, not
revoked, its principal still there, allowed to act on the business): this is the only
place a token's liveness is checked, and one statement both authorises and reads (a GET
one is one round trip).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from clientbook.domain.model import MATTER_TERM
from clientbook.store.tables import clients

CLIENT_COLUMNS = tuple(column.name for column in clients.c)
SOURCE_COLUMNS = ("uid", "name", "url", "channel", "campaign")
BUSINESS_COLUMNS = ("uid", "directory_uid", "name", "country", "opt_in_enabled")
_PARAMETER = re.compile(r":([a-z_0-9]+)")


@dataclass(frozen=True, slots=True, eq=False)
class Dialect:
    """What differs between the two backends' SQL. There are two, compared by identity
    (`eq=False`: the statement caches hash it on every request, by its id)."""

    name: str
    same: str  # null-safe equality
    json_array: str
    json_agg: str
    matter_fields: str  # a matter's `fields` inside a JSON array
    lock: str  # PUT's row lock (SQLite: BEGIN IMMEDIATE holds the write lock instead)


SQLITE = Dialect("sqlite", "IS", "json_array", "json_group_array", "json(m.fields)", "")
POSTGRES = Dialect(
    "postgresql", "IS NOT DISTINCT FROM", "json_build_array", "json_agg", "m.fields",
    " FOR UPDATE OF c",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Statement:
    """SQL text for one dialect, and (PostgreSQL) the parameter name of each `$n`."""

    text: str
    names: tuple[str, ...]

    def positional(self, params: dict[str, object]) -> list[object]:
        return [params[name] for name in self.names]


def _render(dialect: Dialect, text: str) -> Statement:
    if dialect is SQLITE:
        return Statement(text, ())
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return Statement(_PARAMETER.sub(number, text), tuple(names))


def _authorised(dialect: Dialect, kind: str) -> str:
    """The token is live and its principal exists; a directory's business is in it."""
    same = dialect.same
    token = (
        "EXISTS (SELECT 1 FROM tokens t WHERE t.jti = :jti AND t.revoked_at IS NULL"
        " AND t.kind = :kind AND t.subject_uid = :subject"
        f" AND t.business_uid {same} :token_business"
        f" AND t.directory_uid {same} :token_directory)"
    )
    principal = {
        "staff": "EXISTS (SELECT 1 FROM staff p WHERE p.business_uid = :token_business"
        " AND p.uid = :subject AND p.deleted_at IS NULL)",
        "app": "EXISTS (SELECT 1 FROM apps p WHERE p.business_uid = :token_business"
        " AND p.uid = :subject AND p.deleted_at IS NULL)",
        "directory": "EXISTS (SELECT 1 FROM directories p WHERE p.uid = :subject)",
        "client": "EXISTS (SELECT 1 FROM clients p WHERE p.business_uid = :token_business"
        " AND p.id = :subject AND p.deleted_at IS NULL)",
    }[kind]
    return f"{token} AND {principal}"


def _member(kind: str) -> str:
    """The business acted on belongs to the token (a staff/app token's own is checked
    before any SQL; a directory's must be one of its businesses)."""
    if kind == "directory":
        return (
            " AND EXISTS (SELECT 1 FROM businesses d WHERE d.uid = :business"
            " AND d.directory_uid = :token_directory)"
        )
    return ""


@functools.cache
def alive(dialect: Dialect, kind: str) -> Statement:
    """Whether the token is live (for the 401/403 decisions made without a business)."""
    return _render(dialect, f"SELECT {_authorised(dialect, kind)}")


@functools.cache
def business(dialect: Dialect, kind: str) -> Statement:
    """The business acted on, when the token may act on it."""
    columns = ", ".join(f"b.{name}" for name in BUSINESS_COLUMNS)
    return _render(
        dialect,
        f"SELECT {columns} FROM businesses b WHERE b.uid = :business"
        f" AND {_authorised(dialect, kind)}{_member(kind)}",
    )


@functools.cache
def view(dialect: Dialect, kind: str) -> Statement:
    """GET one in one statement: the live client, its first source record and its
    matters (as JSON arrays), when the token may read the business."""
    columns = ", ".join(f"c.{name}" for name in CLIENT_COLUMNS)
    array, agg = dialect.json_array, dialect.json_agg
    source = ", ".join(f"s.{name}" for name in SOURCE_COLUMNS)
    return _render(
        dialect,
        f"SELECT {columns},"
        f" (SELECT {array}({source}) FROM source_records s"
        "   WHERE s.business_uid = c.business_uid AND s.client_created_at = c.created_at"
        "   AND s.client_id = c.id ORDER BY s.created_at, s.uid LIMIT 1) AS source_record,"
        f" (SELECT {agg}({array}(m.created_at, m.uid, m.display_name, {dialect.matter_fields}))"
        "   FROM matters m WHERE m.business_uid = c.business_uid"
        "   AND m.client_created_at = c.created_at AND m.client_id = c.id)"
        "   AS matter_list"
        " FROM clients c"
        " WHERE c.business_uid = :business AND c.id = :client_id AND c.deleted_at IS NULL"
        f" AND {_authorised(dialect, kind)}{_member(kind)}",
    )


def _of_client(alias: str) -> str:
    """The rows `alias` (source records, matters) of the client `c`, by its keys."""
    return (
        f"{alias}.business_uid = c.business_uid AND {alias}.client_created_at = c.created_at"
        f" AND {alias}.client_id = c.id"
    )


def _moment_json(column: str) -> str:
    """A stored moment (`2026-11-26 16:00:00.000000`) as representations.timestamp
    writes it: `2026-11-26T16:00:00Z`."""
    return (
        f"CASE WHEN {column} IS NULL THEN NULL"
        f" ELSE substr({column}, 1, 10) || 'T' || substr({column}, 12, 8) || 'Z' END"
    )


@functools.cache
def single_json(kind: str) -> Statement:
    """SQLite's GET one, answered in JSON by SQLite itself: the client's single
    representation (contract section 4), field for field as
    domain/representations.single builds it from `view`'s row, which it replaces on
    SQLite's hot path (the Python that turned a row into a model, then into a dict, cost
    more than this statement; docs/performance.md, ninth round).

    As `view`: the first source record (by created_at, then uid) and the matters in
    creation order (then uid). A client has one source record unless it was merged:
    the sort that picks the first runs only when there are more (a sort for LIMIT 1 was a
    fifth of the statement's instructions). The matters are sorted by `+created_at`: an
    expression, so that no plan walks the business's matters in key order to spare the
    sort (tables.py).
    """
    text = (
        "SELECT json_object("
        "'id', c.id, 'first_name', c.first_name, 'last_name', c.last_name,"
        " 'mobile_phone', c.mobile_phone, 'email', c.email, 'address', c.address,"
        f" 'created_at', {_moment_json('c.created_at')},"
        f" 'updated_at', {_moment_json('c.updated_at')},"
        " 'customer_status', c.status, 'tags', json(c.tags),"
        " 'opt_in', CASE WHEN c.opt_in IS NULL THEN NULL WHEN c.opt_in THEN '1' ELSE '0' END,"
        " 'source', c.source, 'source_url', first_source.url,"
        " 'channel', first_source.channel, 'campaign', first_source.campaign,"
        " 'custom_field1', c.custom_field1, 'custom_field2', c.custom_field2,"
        " 'custom_field3', c.custom_field3,"
        " 'matters', json((SELECT json_group_array(json_object("
        "     'uid', ordered.uid, 'display_name', ordered.display_name,"
        "     'fields', json(ordered.fields)))"
        f"   FROM (SELECT m.uid, m.display_name, m.fields FROM matters m WHERE {_of_client('m')}"
        "     ORDER BY +m.created_at, +m.uid) AS ordered)),"
        f" 'matter_term', '{MATTER_TERM}', 'normalized_phone', c.normalized_phone,"
        " 'spam', json(CASE WHEN c.spam THEN 'true' ELSE 'false' END),"
        " 'staff_id', c.staff_id)"
        " FROM clients c"
        " LEFT JOIN source_records first_source ON first_source.rowid = CASE"
        f"   WHEN (SELECT count(*) FROM source_records s WHERE {_of_client('s')}) < 2"
        f"   THEN (SELECT s.rowid FROM source_records s WHERE {_of_client('s')})"
        f"   ELSE (SELECT s.rowid FROM source_records s WHERE {_of_client('s')}"
        "     ORDER BY s.created_at, s.uid LIMIT 1) END"
        " WHERE c.business_uid = :business AND c.id = :client_id AND c.deleted_at IS NULL"
        f" AND {_authorised(SQLITE, kind)}{_member(kind)}"
    )
    return _render(SQLITE, text)


@functools.cache
def locked(dialect: Dialect, kind: str) -> Statement:
    """PUT's read: the live client (locked on PostgreSQL) with its business's settings,
    when the token may write to the business."""
    return _render(dialect, _put_read(dialect, kind) + dialect.lock)


@functools.cache
def versioned(kind: str) -> Statement:
    """PUT's optimistic read (PostgreSQL): as `locked`, without the lock, with the row's
    version last (xmin: every write of the row gives it a new one)."""
    return _render(POSTGRES, _put_read(POSTGRES, kind, also=", CAST(c.xmin AS text)"))


def _put_read(dialect: Dialect, kind: str, *, also: str = "") -> str:
    columns = ", ".join(f"c.{name}" for name in CLIENT_COLUMNS)
    settings = ", ".join(f"b.{name} AS b_{name}" for name in BUSINESS_COLUMNS)
    return (
        f"SELECT {columns}, {settings}{also}"
        " FROM clients c JOIN businesses b ON b.uid = c.business_uid"
        " WHERE c.business_uid = :business AND c.id = :client_id AND c.deleted_at IS NULL"
        f" AND {_authorised(dialect, kind)}{_member(kind)}"
    )


@functools.cache
def staff_exists(dialect: Dialect) -> Statement:
    return _render(
        dialect,
        "SELECT 1 FROM staff WHERE business_uid = :business AND uid = :staff_id"
        " AND deleted_at IS NULL",
    )


@functools.cache
def email_taken(dialect: Dialect) -> Statement:
    """As clients.email_taken_query: the predicate repeats the live-email index's."""
    return _render(
        dialect,
        "SELECT 1 FROM clients WHERE business_uid = :business AND email IS NOT NULL"
        " AND lower(email) = :email AND deleted_at IS NULL AND id <> :client_id LIMIT 1",
    )


@functools.cache
def update(dialect: Dialect, columns: tuple[str, ...]) -> Statement:
    """Write only the changed columns (parameters `set_<column>`)."""
    assignments = ", ".join(f"{name} = :set_{name}" for name in columns)
    return _render(
        dialect,
        f"UPDATE clients SET {assignments} WHERE business_uid = :business AND id = :client_id",
    )


@functools.cache
def update_versioned(columns: tuple[str, ...]) -> Statement:
    """PUT's optimistic write (PostgreSQL): only while the row is the version read."""
    assignments = ", ".join(f"{name} = :set_{name}" for name in columns)
    return _render(
        POSTGRES,
        f"UPDATE clients SET {assignments} WHERE business_uid = :business AND id = :client_id"
        " AND CAST(xmin AS text) = :version",
    )


# POST writes these rows; the tuples name the parameters (`<table>_<column>`).
SOURCE_INSERT = ("business_uid", "client_created_at", "client_id", "uid", "name", "url",
                 "channel", "campaign", "created_at")  # fmt: skip
MATTER_INSERT = ("business_uid", "created_at", "uid", "client_created_at", "client_id",
                 "display_name", "fields")  # fmt: skip
TOKEN_INSERT = ("jti", "kind", "subject_uid", "business_uid", "directory_uid", "issued_at",
                "expires_at")  # fmt: skip


def _insert(table: str, columns: tuple[str, ...], marks: Iterable[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(marks)})"


@functools.cache
def create(dialect: Dialect, client_columns: tuple[str, ...]) -> tuple[Statement, ...]:
    """POST's rows: the client, its source record, its default matter and its token.

    PostgreSQL runs them as one statement (data-modifying CTEs: one round trip), with
    `:prefix_column` parameters (prefix: client, source, matter, token). SQLite runs four
    inside its transaction, each with `?` placeholders for its columns (`names`), in order.
    """
    rows = (
        ("clients", "client", client_columns),
        ("source_records", "source", SOURCE_INSERT),
        ("matters", "matter", MATTER_INSERT),
        ("tokens", "token", TOKEN_INSERT),
    )
    if dialect is SQLITE:
        return tuple(
            Statement(_insert(table, columns, ("?",) * len(columns)), columns)
            for table, _, columns in rows
        )
    *first, last = (
        _insert(table, columns, (f":{prefix}_{name}" for name in columns))
        for table, prefix, columns in rows
    )
    ctes = ", ".join(f"w{n} AS ({text})" for n, text in enumerate(first))
    return (_render(dialect, f"WITH {ctes} {last}"),)
