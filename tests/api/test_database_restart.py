"""Connections the database closed (a PostgreSQL restart, an administrator) cost clients
nothing: the pooled connections of POST, GET one and PUT (store/database.py) are replaced
and the request runs once more, as the other routes' pool checks its connections
(pool_pre_ping). On SQLite there is no server to close them: the same requests simply
succeed."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from clientbook.store.database import APPLICATION_NAME
from clientbook.store.engine import is_sqlite
from tests.api.support import BASE, create, get, put
from tests.factories import Tenant


def _hot_path_backends(engine: sa.Engine, what: str, where: str = "") -> int:
    """`what` (an aggregate) over the servers' hot-path connections to this database."""
    if is_sqlite(engine):
        return 0
    with engine.connect() as conn:
        found = conn.execute(
            sa.text(
                f"SELECT {what} FROM pg_stat_activity WHERE datname = current_database()"
                f" AND application_name = :name{where}"
            ),
            {"name": APPLICATION_NAME},
        ).scalar_one()
    return int(found)


def close_hot_path_connections(engine: sa.Engine) -> int:
    """What a restart does to the servers' pooled connections: the server closes them."""
    return _hot_path_backends(engine, "count(pg_terminate_backend(pid))")


def open_transactions(engine: sa.Engine) -> int:
    """The hot path's connections that sit inside a transaction (holding its locks)."""
    return _hot_path_backends(engine, "count(*)", " AND state LIKE 'idle in transaction%'")


def test_every_hot_route_answers_after_the_database_closed_its_connections(
    http: Any, tenant: Tenant, engine: sa.Engine
) -> None:
    client = create(http, tenant)
    assert close_hot_path_connections(engine) >= (0 if is_sqlite(engine) else 1)
    assert get(http, tenant, client["id"])["id"] == client["id"]

    close_hot_path_connections(engine)
    assert put(http, tenant, client["id"], {"last_name": "After"}).status_code == 200
    assert get(http, tenant, client["id"])["last_name"] == "After"

    close_hot_path_connections(engine)
    response = http.post(BASE, json={"first_name": "New"}, headers=tenant.headers())
    assert response.status_code == 201


def test_a_failed_write_leaves_its_connection_idle_and_the_client_writable(
    http: Any, tenant: Tenant, engine: sa.Engine
) -> None:
    # Pooled connections go back without asyncpg's reset query (store/database.py): the
    # rollback of a failed unit is what must leave them clean.
    client = create(http, tenant)
    for _ in range(3):
        refused = put(http, tenant, client["id"], {"status": "nonsense"})
        assert refused.status_code == 422
    assert open_transactions(engine) == 0
    assert put(http, tenant, client["id"], {"last_name": "Kept"}).status_code == 200
    assert get(http, tenant, client["id"])["last_name"] == "Kept"
    assert open_transactions(engine) == 0
    # POST runs outside a transaction on PostgreSQL: its refusals leave none open either.
    create(http, tenant, email="kept@example.com")
    for body, status in (
        ({"first_name": ""}, 422),
        ({"first_name": "B", "email": "kept@example.com"}, 409),
    ):
        assert http.post(BASE, json=body, headers=tenant.headers()).status_code == status
    assert open_transactions(engine) == 0
