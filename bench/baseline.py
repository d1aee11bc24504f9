"""The baseline: a bare ASGI app doing the SQL of PUT and GET one with the raw driver.

No authentication, no validation, no framework: the ceiling for Python on this machine.
asyncpg for PostgreSQL; sqlite3 for SQLite (WAL, synchronous=FULL, BEGIN IMMEDIATE for
writes, called on the event loop). Run under the same server and worker count as
clientbook, e.g. `granian --interface asgi bench.baseline:app --workers 2`. Environment:
BENCH_BASELINE_DATABASE_URL (sqlite:///PATH or postgresql://...), BENCH_BUSINESS_UID.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped,import-not-found,unused-ignore]
import orjson

Scope = dict[str, Any]
Receive = Any
Send = Any

PREFIX = "/platform/v1/clients/"
CLIENT_COLUMNS = (
    "business_uid, id, first_name, last_name, email, mobile_phone, normalized_phone, "
    "phone_digits, address, status, tags, opt_in, opt_in_transactional_sms, spam, source, "
    "source_url, custom_field1, custom_field2, custom_field3, staff_id, created_at, "
    "updated_at, deleted_at"
)
# What a PUT may write: request field -> column (no validation: this is the ceiling).
WRITABLE = {
    "first_name": "first_name",
    "last_name": "last_name",
    "address": "address",
    "mobile_phone": "mobile_phone",
    "custom_field1": "custom_field1",
    "custom_field2": "custom_field2",
    "custom_field3": "custom_field3",
    "status": "status",
    "opt_in": "opt_in",
    "tags": "tags",
}
UPDATE_FIELDS = (
    "address", "created_at", "status", "email", "first_name", "id", "last_name",
    "mobile_phone", "opt_in", "spam", "tags", "updated_at",
)  # fmt: skip


def _moment(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{str(value)[:10]}T{str(value)[11:19]}Z"


def _tags(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _in_order(matters: Any) -> list[Any]:
    """Matters by (created_at, uid), sorted once read (a client's one or two rows; SQL
    would walk the business's matters to spare the sort, tables.py)."""
    return sorted(matters, key=lambda m: (m["created_at"], m["uid"]))


def _first(sources: Any) -> Any:
    """The client's first source record by (created_at, uid), picked once read: a client
    has one unless it was merged, and clientbook's SQLite statement sorts them only when
    there are several (store/direct_sql.py): the ceiling must not pay a sort it skips."""
    return min(sources, key=lambda s: (s["created_at"], s["uid"]), default=None)


def _single(client: dict[str, Any], source: Any, matters: list[Any]) -> dict[str, Any]:
    return {
        "id": client["id"],
        "first_name": client["first_name"],
        "last_name": client["last_name"],
        "mobile_phone": client["mobile_phone"],
        "email": client["email"],
        "address": client["address"],
        "created_at": _moment(client["created_at"]),
        "updated_at": _moment(client["updated_at"]),
        "customer_status": client["status"],
        "tags": _tags(client["tags"]),
        "opt_in": None if client["opt_in"] is None else ("1" if client["opt_in"] else "0"),
        "source": client["source"],
        "source_url": None if source is None else source["url"],
        "channel": None if source is None else source["channel"],
        "campaign": None if source is None else source["campaign"],
        "custom_field1": client["custom_field1"],
        "custom_field2": client["custom_field2"],
        "custom_field3": client["custom_field3"],
        "matters": [
            {"uid": m["uid"], "display_name": m["display_name"], "fields": _tags(m["fields"])}
            for m in matters
        ],
        "matter_term": "clients",
        "normalized_phone": client["normalized_phone"],
        "spam": bool(client["spam"]),
        "staff_id": client["staff_id"],
    }


def _updated(client: dict[str, Any]) -> dict[str, Any]:
    body = {name: client[name] for name in UPDATE_FIELDS if name in client}
    body["created_at"] = _moment(client["created_at"])
    body["updated_at"] = _moment(client["updated_at"])
    body["customer_status"] = body.pop("status")
    body["tags"] = _tags(client["tags"])
    return body


def _changes(body: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, value in body.items():
        column = WRITABLE.get(name)
        if column == "tags":
            changes["tags"] = [t.strip() for t in str(value).split(",") if t.strip()]
        elif column is not None:
            changes[column] = value
    return changes


class Postgres:
    """GET one and PUT over an asyncpg pool."""

    def __init__(self, url: str, business_uid: str) -> None:
        self.url = url
        self.business = business_uid
        self.pool: Any = None

    async def start(self) -> None:
        async def init(conn: Any) -> None:
            for name in ("json", "jsonb"):
                await conn.set_type_codec(
                    name, encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads,
                    schema="pg_catalog",
                )  # fmt: skip

        async def keep_session(_conn: Any) -> None:
            """As clientbook's pool: no reset query on release (store/database.py)."""

        self.pool = await asyncpg.create_pool(
            self.url, min_size=10, max_size=10, init=init, reset=keep_session
        )

    async def get_one(self, client_id: str) -> dict[str, Any] | None:
        async with self.pool.acquire() as conn, conn.transaction(readonly=True):
            client = await conn.fetchrow(
                f"SELECT {CLIENT_COLUMNS} FROM clients "
                "WHERE business_uid = $1 AND id = $2 AND deleted_at IS NULL",
                self.business,
                client_id,
            )
            if client is None:
                return None
            sources = await conn.fetch(
                "SELECT created_at, uid, name, url, channel, campaign FROM source_records "
                "WHERE business_uid = $1 AND client_created_at = $2 AND client_id = $3",
                self.business,
                client["created_at"],
                client_id,
            )
            matters = await conn.fetch(
                "SELECT created_at, uid, display_name, fields FROM matters "
                "WHERE business_uid = $1 AND client_created_at = $2 AND client_id = $3",
                self.business,
                client["created_at"],
                client_id,
            )
        return _single(dict(client), _first(sources), _in_order(matters))

    async def put(self, client_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        changes["updated_at"] = datetime.utcnow()
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                f"SELECT {CLIENT_COLUMNS} FROM clients "
                "WHERE business_uid = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE",
                self.business,
                client_id,
            )
            if row is None:
                return None
            names = list(changes)
            assignments = ", ".join(f"{n} = ${i + 3}" for i, n in enumerate(names))
            await conn.execute(
                f"UPDATE clients SET {assignments} WHERE business_uid = $1 AND id = $2",
                self.business,
                client_id,
                *(changes[n] for n in names),
            )
        return {**dict(row), **changes}


class Sqlite:
    """GET one and PUT over one sqlite3 connection per process."""

    def __init__(self, path: str, business_uid: str) -> None:
        self.path = path
        self.business = business_uid
        self.db: sqlite3.Connection | None = None

    async def start(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
            db.execute(f"PRAGMA {pragma}")
        self.db = db

    async def get_one(self, client_id: str) -> dict[str, Any] | None:
        assert self.db is not None
        db = self.db
        db.execute("BEGIN")
        try:
            client = db.execute(
                f"SELECT {CLIENT_COLUMNS} FROM clients "
                "WHERE business_uid = ? AND id = ? AND deleted_at IS NULL",
                (self.business, client_id),
            ).fetchone()
            if client is None:
                return None
            keys = (self.business, client["created_at"], client_id)
            sources = db.execute(
                "SELECT created_at, uid, name, url, channel, campaign FROM source_records "
                "WHERE business_uid = ? AND client_created_at = ? AND client_id = ?",
                keys,
            ).fetchall()
            matters = db.execute(
                "SELECT created_at, uid, display_name, fields FROM matters "
                "WHERE business_uid = ? AND client_created_at = ? AND client_id = ?",
                keys,
            ).fetchall()
        finally:
            db.execute("COMMIT")
        return _single(dict(client), _first(sources), _in_order(matters))

    async def put(self, client_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        assert self.db is not None
        db = self.db
        now = datetime.utcnow()
        changes["updated_at"] = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        stored = {k: orjson.dumps(v).decode() if k == "tags" else v for k, v in changes.items()}
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute(
                f"SELECT {CLIENT_COLUMNS} FROM clients "
                "WHERE business_uid = ? AND id = ? AND deleted_at IS NULL",
                (self.business, client_id),
            ).fetchone()
            if row is None:
                db.execute("ROLLBACK")
                return None
            names = list(stored)
            assignments = ", ".join(f"{n} = ?" for n in names)
            db.execute(
                f"UPDATE clients SET {assignments} WHERE business_uid = ? AND id = ?",
                (*(stored[n] for n in names), self.business, client_id),
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return {**dict(row), **changes}


def _backend() -> Postgres | Sqlite:
    url = os.environ["BENCH_BASELINE_DATABASE_URL"]
    business = os.environ["BENCH_BUSINESS_UID"]
    if url.startswith("sqlite:///"):
        return Sqlite(url.removeprefix("sqlite:///"), business)
    return Postgres(url, business)


BACKEND = _backend()


async def _respond(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = orjson.dumps(body)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(payload))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _read(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI entry point: GET/PUT /platform/v1/clients/{id} and GET /health."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await BACKEND.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    path: str = scope["path"]
    if path == "/health":
        await _respond(send, 200, {"status": "OK"})
        return
    if not path.startswith(PREFIX):
        await _respond(send, 404, {"status": "Error", "error": "Not found"})
        return
    client_id = path.removeprefix(PREFIX)
    if scope["method"] == "GET":
        client = await BACKEND.get_one(client_id)
        data = None if client is None else {"client": client}
    else:
        changes = _changes(orjson.loads(await _read(receive)))
        updated = await BACKEND.put(client_id, changes)
        data = None if updated is None else {"client": _updated(updated)}
    if data is None:
        await _respond(send, 404, {"status": "Error", "error": "Entity not found"})
    else:
        await _respond(send, 200, {"status": "OK", "data": data})
