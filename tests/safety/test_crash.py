"""Crash durability: a write load against `clientbook serve`, SIGKILLed at random moments
and restarted; every acknowledged write is there afterwards and the database is intact.

Each writer thread creates clients and updates only its own clients (custom_field1 counts
up), so for every client the stored count is at least the last one acknowledged.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx
import sqlalchemy as sa

from clientbook.config import Settings
from clientbook.store import tables
from clientbook.store.engine import create_engine
from tests import factories
from tests.conftest import TEST_SECRET
from tests.databases import fresh_database
from tests.safety.conftest import report, rng, scaled
from tests.safety.servers import Server, free_port
from tests.safety.world import BASE

KILLS = 2  # per backend, times CLIENTBOOK_SAFETY_SCALE
WRITERS = 4


@dataclass
class Ledger:
    """What the server acknowledged: client id -> last acknowledged custom_field1 count."""

    acked: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    writes: int = 0
    errors: list[str] = field(default_factory=list)


def _writer(base_url: str, headers: dict[str, str], ledger: Ledger, stop: threading.Event) -> None:
    mine: dict[str, int] = {}
    with httpx.Client(base_url=base_url, timeout=10, headers=headers) as http:
        while not stop.is_set():
            try:
                if not mine or len(mine) < 3 or time.monotonic_ns() % 2:
                    response = http.post(BASE, json={"first_name": "Crash", "custom_field1": "0"})
                    if response.status_code == 201:
                        client_id = response.json()["data"]["client"]["id"]
                        mine[client_id] = 0
                        with ledger.lock:
                            ledger.acked[client_id] = 0
                            ledger.writes += 1
                        continue
                else:
                    client_id = next(iter(mine)) if len(mine) == 1 else list(mine)[len(mine) // 2]
                    count = mine[client_id] + 1
                    response = http.put(f"{BASE}/{client_id}", json={"custom_field1": str(count)})
                    if response.status_code == 200:
                        mine[client_id] = count
                        with ledger.lock:
                            ledger.acked[client_id] = count
                            ledger.writes += 1
                        continue
                with ledger.lock:
                    ledger.errors.append(f"{response.status_code} {response.text[:200]}")
                return
            except httpx.TransportError:
                return  # the server was killed: whatever was in flight is unacknowledged


def _integrity(url: str, engine: sa.Engine) -> list[str]:
    """What is wrong with the database: SQLite's integrity check, orphans, broken clients."""
    problems = []
    database = sa.make_url(url).database
    if url.startswith("sqlite") and database:
        with sqlite3.connect(database) as conn:
            result = conn.execute("PRAGMA integrity_check").fetchall()
        if result != [("ok",)]:
            problems.append(f"integrity_check: {result}")
    with engine.connect() as conn:
        for table in tables.metadata.sorted_tables:
            conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        clients, sources = tables.clients, tables.source_records
        without_source = conn.execute(
            sa.select(sa.func.count())
            .select_from(clients)
            .where(
                ~sa.exists().where(
                    sources.c.business_uid == clients.c.business_uid,
                    sources.c.client_id == clients.c.id,
                )
            )
        ).scalar_one()
        if without_source:
            problems.append(f"{without_source} clients without a source record (half a create)")
    return problems


def test_acknowledged_writes_survive_sigkill(backend: str, tmp_path: Path) -> None:
    draws = rng(f"crash:{backend}")
    kills = scaled(KILLS)
    with fresh_database(backend, tmp_path) as url:
        settings = Settings(database_url=url, secret_key=TEST_SECRET, rate_limit=0)
        engine = create_engine(url, pool_size=2)
        tenant = factories.tenant(engine, settings)
        ledger = Ledger()
        server = Server(database_url=url, log_path=tmp_path / "serve.log")
        problems: list[str] = []
        try:
            for _ in range(kills):
                server.port = free_port()
                server.start()
                stop = threading.Event()
                writers = [
                    threading.Thread(
                        target=_writer, args=(server.base_url, tenant.headers(), ledger, stop)
                    )
                    for _ in range(WRITERS)
                ]
                started_with = ledger.writes
                for writer in writers:
                    writer.start()
                # A random moment, once the round has some acknowledged writes behind it.
                target = draws.randint(10, 60)
                deadline = time.monotonic() + 30
                while ledger.writes - started_with < target and time.monotonic() < deadline:
                    time.sleep(0.005)
                server.kill()
                stop.set()
                for writer in writers:
                    writer.join(timeout=30)
                problems += _integrity(url, engine)
            server.port = free_port()
            server.start()
            with httpx.Client(base_url=server.base_url, headers=tenant.headers()) as http:
                for client_id in list(ledger.acked)[:20]:
                    assert http.get(f"{BASE}/{client_id}").status_code == 200
            server.stop()
            with engine.connect() as conn:
                rows = conn.execute(
                    sa.select(tables.clients.c.id, tables.clients.c.custom_field1).where(
                        tables.clients.c.business_uid == tenant.business_uid
                    )
                ).all()
            stored = {row.id: int(row.custom_field1) for row in rows}
            lost = [
                f"{client_id}: acknowledged {count}, stored {stored.get(client_id)}"
                for client_id, count in ledger.acked.items()
                if stored.get(client_id, -1) < count
            ]
            problems += _integrity(url, engine)
        finally:
            server.stop()
            engine.dispose()
    report(
        "crash",
        backend,
        kills=kills,
        acknowledged_writes=ledger.writes,
        clients=len(ledger.acked),
        lost_writes=len(lost),
        integrity_problems=len(problems),
        server_errors=len(ledger.errors),
    )
    assert ledger.writes > 0, "the load wrote nothing"
    assert ledger.errors == [], ledger.errors[:5]
    assert lost == [], lost[:10]
    assert problems == [], problems
