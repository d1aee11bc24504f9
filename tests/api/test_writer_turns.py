"""A PUT or POST that meets another writer waits its turn, then succeeds, and both writes
are kept: the hot path (store/database.py) shares the SQLite write lock with the other
routes' writers (in process: a lock; another process: BEGIN IMMEDIATE, retried without
blocking the server) and PostgreSQL's row locks."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from clientbook.store.engine import is_sqlite
from clientbook.store.tables import clients
from clientbook.store.uow import transaction
from tests.api.support import BASE, create, get, put
from tests.factories import Tenant

HOLD_SECONDS = 0.3


@contextmanager
def writer_holding(engine: sa.Engine, tenant: Tenant, client_id: str) -> Iterator[None]:
    """Another writer, in a thread: it renames the client and commits HOLD_SECONDS after
    the block starts (the block's requests meet its lock)."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction(engine, write=True) as conn:
            conn.execute(
                clients.update()
                .where(clients.c.business_uid == tenant.business_uid, clients.c.id == client_id)
                .values(first_name="Held")
            )
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    timer = threading.Timer(HOLD_SECONDS, release.set)
    timer.start()
    try:
        yield
    finally:
        release.set()
        timer.cancel()
        holder.join(10)


def test_put_waits_for_a_writer_of_this_process_and_keeps_both_writes(
    http: Any, tenant: Tenant, engine: sa.Engine
) -> None:
    client = create(http, tenant)
    with writer_holding(engine, tenant, client["id"]):
        response = put(http, tenant, client["id"], {"last_name": "Waited"})
    assert response.status_code == 200
    read = get(http, tenant, client["id"])
    assert (read["first_name"], read["last_name"]) == ("Held", "Waited")


def test_post_waits_for_another_writer_then_succeeds(
    http: Any, tenant: Tenant, engine: sa.Engine
) -> None:
    client = create(http, tenant)
    with writer_holding(engine, tenant, client["id"]):
        response = http.post(BASE, json={"first_name": "Next"}, headers=tenant.headers())
    assert response.status_code == 201
    assert get(http, tenant, response.json()["data"]["client"]["id"])["first_name"] == "Next"


def test_put_waits_for_a_sqlite_writer_of_another_connection(
    http: Any, tenant: Tenant, engine: sa.Engine
) -> None:
    """SQLite: a writer outside this process's lock (as another process is) holds the
    database; the PUT retries BEGIN IMMEDIATE until it is free. PostgreSQL: a row lock
    taken by another connection, as above."""
    client = create(http, tenant)
    if not is_sqlite(engine):
        with writer_holding(engine, tenant, client["id"]):
            response = put(http, tenant, client["id"], {"last_name": "Waited"})
        assert response.status_code == 200
        return
    db = sqlite3.connect(str(engine.url.database), isolation_level=None, check_same_thread=False)
    db.execute("BEGIN IMMEDIATE")
    db.execute(
        "UPDATE clients SET first_name = 'Held' WHERE business_uid = ? AND id = ?",
        (tenant.business_uid, client["id"]),
    )
    timer = threading.Timer(HOLD_SECONDS, lambda: db.execute("COMMIT"))
    timer.start()
    try:
        response = put(http, tenant, client["id"], {"last_name": "Waited"})
    finally:
        timer.join(10)
        db.close()
    assert response.status_code == 200
    read = get(http, tenant, client["id"])
    assert (read["first_name"], read["last_name"]) == ("Held", "Waited")
