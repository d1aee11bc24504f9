"""Seed a benchmark database fast: bulk INSERT (SQLite) or COPY (PostgreSQL), not HTTP.

Directories, businesses, staff and their tokens go through the admin functions (a few
hundred rows); clients, their source records and their default matters (the rows a real
create writes) go in bulk through the raw driver, in the formats SQLAlchemy reads back.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from tqdm import tqdm

from clientbook import admin, ids
from clientbook.config import Settings
from clientbook.store import migrate
from clientbook.store.database import open_store
from clientbook.store.engine import create_engine, is_sqlite

BATCH = 20_000
FIRST_NAMES = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken")
LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson")
CLIENT_COLUMNS = (
    "business_uid", "id", "first_name", "last_name", "email", "mobile_phone",
    "normalized_phone", "phone_digits", "address", "status", "tags", "opt_in",
    "opt_in_transactional_sms", "spam", "source", "source_url", "custom_field1",
    "custom_field2", "custom_field3", "staff_id", "created_at", "updated_at", "deleted_at",
)  # fmt: skip
SOURCE_COLUMNS = (
    "business_uid", "client_created_at", "client_id", "uid", "name", "url", "channel",
    "campaign", "created_at",
)  # fmt: skip
MATTER_COLUMNS = ("business_uid", "created_at", "uid", "client_created_at", "client_id",
                  "display_name", "fields")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Tenant:
    """A seeded business and the staff token that acts on it."""

    business_uid: str
    token: str
    clients: int


@dataclass(frozen=True, slots=True)
class Seeded:
    """What the load scripts need: the big tenant, the small ones, a sample of clients."""

    big: Tenant
    small: list[Tenant]
    sample: list[dict[str, str]]


def seed(
    database_url: str,
    *,
    big_clients: int,
    small_businesses: int,
    small_clients: int,
    sample_size: int,
) -> Seeded:
    """Migrate, then create the tenants and their clients; return tokens and a sample."""
    migrate.upgrade(database_url)
    settings = Settings(database_url=database_url)
    engine = create_engine(database_url, pool_size=1)
    try:
        tenants = _tenants(settings, small_businesses + 1)
        big = tenants[0][0]
        sizes = [(big, big_clients)] + [(uid, small_clients) for uid, _ in tenants[1:]]
        total = sum(n for _, n in sizes)
        rng = random.Random(5)
        chosen = set(rng.sample(range(big_clients), min(sample_size, big_clients)))
        sample: list[dict[str, str]] = []
        start = datetime(2024, 1, 1)
        indexes = _drop_indexes(engine)
        with tqdm(total=total, unit="client", desc=f"seed {engine.dialect.name}") as bar:
            serial = 0
            for tenant_uid, count in sizes:
                rows = _clients(tenant_uid, count, start, serial)
                for batch in _batches(rows, BATCH):
                    _insert(engine, batch)
                    for index, client in batch:
                        if tenant_uid == big and index in chosen:
                            sample.append(_sample_row(client))
                    bar.update(len(batch))
                serial += count
        _create_indexes(engine, indexes)
        _analyze(engine)
    finally:
        engine.dispose()
    big_tenant, *small_tenants = [
        Tenant(business_uid=uid, token=token, clients=n)
        for (uid, token), (_, n) in zip(tenants, sizes, strict=True)
    ]
    rng.shuffle(sample)
    return Seeded(big=big_tenant, small=small_tenants, sample=sample)


def _tenants(settings: Settings, count: int) -> list[tuple[str, str]]:
    """Businesses of one directory, each with a staff member: (business uid, staff token)."""
    return asyncio.run(_make_tenants(settings, count))


async def _make_tenants(settings: Settings, count: int) -> list[tuple[str, str]]:
    """The admin functions, in one unit of the async store."""
    now = ids.utcnow()
    store = open_store(settings.database_url, pool_size=1)
    await store.start()
    try:
        async with store.writing() as tx:
            directory = await admin.create_directory(tx, name="Bench", settings=settings, now=now)
            tenants = []
            for n in range(count):
                business = await admin.create_business(
                    tx,
                    directory_uid=directory["uid"],
                    name=f"Bench business {n}",
                    country="US",
                    opt_in_enabled=True,
                    now=now,
                )
                staff = await admin.create_member(
                    tx,
                    kind="staff",
                    business_uid=business["uid"],
                    name=f"Bench staff {n}",
                    settings=settings,
                    now=now,
                )
                tenants.append((business["uid"], staff["token"]))
    finally:
        await store.close()
    return tenants


Client = dict[str, Any]
_UID_CHARS = bytes.maketrans(
    bytes(range(256)), bytes(b"0123456789abcdefghijklmnopqrstuvwxyz"[i % 36] for i in range(256))
)


def _uids(count: int) -> Iterator[str]:
    """Random 16-character [0-9a-z] uids, fast (the slight bias of `% 36` is fine here)."""
    text = os.urandom(16 * count).translate(_UID_CHARS).decode()
    for start in range(0, 16 * count, 16):
        yield text[start : start + 16]


def _clients(business_uid: str, count: int, start: datetime, serial: int) -> Iterator[Client]:
    """Clients as a real create writes them (US phone numbers, unique emails)."""
    uids = _uids(count)
    for index in range(count):
        n = serial + index
        first = FIRST_NAMES[n % len(FIRST_NAMES)]
        last = LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)]
        local = 2_000_000 + n % 8_000_000
        area = 212 + (n // 8_000_000)
        moment = start + timedelta(microseconds=n * 997)
        yield {
            "business_uid": business_uid,
            "id": next(uids),
            "first_name": first,
            "last_name": last,
            "email": f"{first.lower()}.{last.lower()}.{n}@example.com",
            "mobile_phone": f"+1 {area} {local // 10_000:03d} {local % 10_000:04d}",
            "normalized_phone": f"+1{area}{local}",
            "phone_digits": f"1{area}{local}",
            "address": f"{n % 999 + 1} Main Street",
            "status": "lead",
            "tags": ["vip"] if n % 10 == 0 else [],
            "opt_in": n % 3 == 0,
            "opt_in_transactional_sms": None,
            "spam": False,
            "source": "Initiated by staff",
            "source_url": None,
            "custom_field1": None,
            "custom_field2": None,
            "custom_field3": None,
            "staff_id": None,
            "created_at": moment,
            "updated_at": moment,
            "deleted_at": None,
        }


def _batches(rows: Iterator[Client], size: int) -> Iterator[list[tuple[int, Client]]]:
    batch: list[tuple[int, Client]] = []
    for index, row in enumerate(rows):
        batch.append((index, row))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _sample_row(client: Client) -> dict[str, str]:
    return {
        "id": client["id"],
        "email": client["email"],
        "phone": client["phone_digits"],
        "updated_at": client["updated_at"].strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _related(client: Client, uids: Iterator[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    source = {
        "business_uid": client["business_uid"],
        "client_created_at": client["created_at"],
        "uid": next(uids),
        "client_id": client["id"],
        "name": client["source"],
        "url": None,
        "channel": None,
        "campaign": None,
        "created_at": client["created_at"],
    }
    matter = {
        "business_uid": client["business_uid"],
        "client_created_at": client["created_at"],
        "uid": next(uids),
        "client_id": client["id"],
        "display_name": f"{client['first_name']} {client['last_name']}",
        "fields": [],
        "created_at": client["created_at"],
    }
    return source, matter


def _insert(engine: sa.Engine, batch: list[tuple[int, Client]]) -> None:
    clients = [c for _, c in batch]
    uids = _uids(2 * len(clients))
    related = [_related(c, uids) for c in clients]
    tables = (
        ("clients", CLIENT_COLUMNS, clients),
        ("source_records", SOURCE_COLUMNS, [s for s, _ in related]),
        ("matters", MATTER_COLUMNS, [m for _, m in related]),
    )
    raw = engine.raw_connection()
    try:
        if is_sqlite(engine):
            _sqlite_insert(raw, tables)
        else:
            _copy(raw, tables)
        raw.commit()
    finally:
        raw.close()


Tables = tuple[tuple[str, tuple[str, ...], list[dict[str, Any]]], ...]


def _sqlite_value(value: Any) -> Any:
    """SQLAlchemy's SQLite storage: text datetimes, JSON text, 0/1 booleans."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, list):
        return json.dumps(value)
    if isinstance(value, bool):
        return int(value)
    return value


def _sqlite_insert(raw: Any, tables: Tables) -> None:
    cursor = raw.cursor()
    # Seeding only: the server reopens the file with synchronous=FULL and its own cache.
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA cache_size=-1048576")  # 1 GiB: random-key index inserts stay in RAM
    cursor.execute("BEGIN")
    for table, columns, rows in tables:
        marks = ", ".join("?" for _ in columns)
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
            [tuple(_sqlite_value(row[c]) for c in columns) for row in rows],
        )
    cursor.execute("COMMIT")
    cursor.close()


def _copy(raw: Any, tables: Tables) -> None:
    cursor = raw.cursor()
    for table, columns, rows in tables:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(_pg_value(row[c]) for c in columns))
    cursor.close()


def _pg_value(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list) else value


BULK_TABLES = ("clients", "source_records", "matters")


def _drop_indexes(engine: sa.Engine) -> list[str]:
    """Drop the secondary indexes of the bulk tables (whatever the migrations made them);
    return their definitions: building an index once is much faster than row by row."""
    tables = ", ".join(f"'{t}'" for t in BULK_TABLES)
    if is_sqlite(engine):
        query = (
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            f"AND tbl_name IN ({tables}) AND sql IS NOT NULL"
        )
    else:
        query = (
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            f"AND tablename IN ({tables}) AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
    with engine.begin() as conn:
        found = [(str(name), str(sql)) for name, sql in conn.exec_driver_sql(query)]
        for name, _ in found:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _, sql in found]


def _create_indexes(engine: sa.Engine, definitions: list[str]) -> None:
    with engine.begin() as conn:
        if not is_sqlite(engine):
            conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
        for sql in tqdm(definitions, desc="indexes", unit="index"):
            conn.exec_driver_sql(sql)


def _analyze(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def write_sample(path: Path, sample: list[dict[str, str]]) -> None:
    """One client a line, tab-separated, for the wrk scripts: id, email, phone, updated_at."""
    lines = ["\t".join((s["id"], s["email"], s["phone"], s["updated_at"])) for s in sample]
    path.write_text("\n".join(lines) + "\n")
