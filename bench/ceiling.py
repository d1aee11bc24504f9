"""The ceiling: a minimal Starlette app on uvicorn, one statement a request, the raw driver.

GET /platform/v1/clients/{id} runs one SELECT of eight columns of the client; PUT runs one
`UPDATE ... RETURNING` of those eight columns, setting the fields of the JSON body that
bench/wrk/put.lua sends. No authentication, no validation, no child rows: what a request
costs with a framework's routing and nothing else, the bound clientbook is measured
against (bench/run.py). asyncpg for PostgreSQL; sqlite3 for SQLite (WAL,
synchronous=FULL, BEGIN IMMEDIATE for writes, called on the event loop). Run with
`uvicorn bench.ceiling:app --workers 1`. Environment: BENCH_CEILING_DATABASE_URL
(sqlite:///PATH or postgresql://...), BENCH_BUSINESS_UID.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped,import-not-found,unused-ignore]
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

COLUMNS = "id, first_name, last_name, email, mobile_phone, status, tags, updated_at"
NAMES = tuple(COLUMNS.split(", "))
# The fields bench/wrk/put.lua sends: request field -> column (no validation).
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


def _changes(body: Any) -> dict[str, Any]:
    """The columns a PUT body sets; tags as a list ("a, b" -> ["a", "b"])."""
    changes: dict[str, Any] = {}
    for name, value in body.items():
        column = WRITABLE.get(name)
        if column == "tags":
            changes[column] = [t.strip() for t in str(value).split(",") if t.strip()]
        elif column is not None:
            changes[column] = value
    return changes


def _moment(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    text = str(value)
    return f"{text[:10]}T{text[11:19]}Z"


def _client(row: Any) -> dict[str, Any]:
    client = dict(zip(NAMES, row, strict=True))
    client["updated_at"] = _moment(client["updated_at"])
    if isinstance(client["tags"], str):
        client["tags"] = orjson.loads(client["tags"])
    return client


class Postgres:
    """One statement a request over an asyncpg pool."""

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
            """No reset query on release, as clientbook's pool."""

        self.pool = await asyncpg.create_pool(
            self.url, min_size=10, max_size=10, init=init, reset=keep_session
        )

    async def stop(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    async def get_one(self, client_id: str) -> dict[str, Any] | None:
        row = await self.pool.fetchrow(
            f"SELECT {COLUMNS} FROM clients "
            "WHERE business_uid = $1 AND id = $2 AND deleted_at IS NULL",
            self.business,
            client_id,
        )
        return None if row is None else _client(row)

    async def put(self, client_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        changes["updated_at"] = datetime.utcnow()
        names = list(changes)
        assignments = ", ".join(f"{n} = ${i + 3}" for i, n in enumerate(names))
        row = await self.pool.fetchrow(
            f"UPDATE clients SET {assignments} "
            "WHERE business_uid = $1 AND id = $2 AND deleted_at IS NULL "
            f"RETURNING {COLUMNS}",
            self.business,
            client_id,
            *(changes[n] for n in names),
        )
        return None if row is None else _client(row)


class Sqlite:
    """One statement a request over one sqlite3 connection, on the event loop."""

    def __init__(self, path: str, business_uid: str) -> None:
        self.path = path
        self.business = business_uid
        self.db: sqlite3.Connection | None = None

    async def start(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
            db.execute(f"PRAGMA {pragma}")
        self.db = db

    async def stop(self) -> None:
        if self.db is not None:
            self.db.close()

    async def get_one(self, client_id: str) -> dict[str, Any] | None:
        assert self.db is not None
        row = self.db.execute(
            f"SELECT {COLUMNS} FROM clients "
            "WHERE business_uid = ? AND id = ? AND deleted_at IS NULL",
            (self.business, client_id),
        ).fetchone()
        return None if row is None else _client(row)

    async def put(self, client_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        assert self.db is not None
        db = self.db
        changes["updated_at"] = datetime.utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")
        if "tags" in changes:
            changes["tags"] = orjson.dumps(changes["tags"]).decode()
        names = list(changes)
        assignments = ", ".join(f"{n} = ?" for n in names)
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute(
                f"UPDATE clients SET {assignments} "
                "WHERE business_uid = ? AND id = ? AND deleted_at IS NULL "
                f"RETURNING {COLUMNS}",
                (*(changes[n] for n in names), self.business, client_id),
            ).fetchone()
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return None if row is None else _client(row)


def _backend() -> Postgres | Sqlite:
    url = os.environ["BENCH_CEILING_DATABASE_URL"]
    business = os.environ["BENCH_BUSINESS_UID"]
    if url.startswith("sqlite:///"):
        return Sqlite(url.removeprefix("sqlite:///"), business)
    return Postgres(url, business)


BACKEND = _backend()
NOT_FOUND = orjson.dumps({"status": "Error", "error": "Entity not found"})


def _json(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type="application/json")


def _answer(client: dict[str, Any] | None) -> Response:
    if client is None:
        return _json(NOT_FOUND, 404)
    return _json(orjson.dumps({"status": "OK", "data": {"client": client}}))


async def health(_request: Request) -> Response:
    return _json(b'{"status":"OK"}')


async def get_one(request: Request) -> Response:
    return _answer(await BACKEND.get_one(request.path_params["client_id"]))


async def put(request: Request) -> Response:
    changes = _changes(orjson.loads(await request.body()))
    return _answer(await BACKEND.put(request.path_params["client_id"], changes))


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    await BACKEND.start()
    try:
        yield
    finally:
        await BACKEND.stop()


app = Starlette(
    routes=[
        Route("/health", health, methods=["GET"]),
        Route("/platform/v1/clients/{client_id}", get_one, methods=["GET"]),
        Route("/platform/v1/clients/{client_id}", put, methods=["PUT"]),
    ],
    lifespan=lifespan,
)
