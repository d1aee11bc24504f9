"""create_app(settings): the route table, the edge in front of it, and the one store."""

from __future__ import annotations

import gc

from clientbook.api import clients, docs_ui, health, ratelimit
from clientbook.api.edge import Edge
from clientbook.api.routing import RouteTable
from clientbook.api.state import AppState
from clientbook.config import Settings
from clientbook.store.database import open_store

OPENAPI_URL = docs_ui.OPENAPI_URL


def routes() -> RouteTable:
    """Every route the app serves, in the order they are matched."""
    table = RouteTable()
    table.add(health.table, docs_ui.table, clients.table)
    return table


def create_app(settings: Settings) -> Edge:
    """The ASGI app over a migrated database (connections are made on the event loop)."""
    table = routes()
    state = AppState(
        settings=settings,
        store=open_store(settings.database_url, pool_size=settings.pool_size),
        limiter=ratelimit.from_settings(settings),
        table=table,
    )
    return Edge(table, state)


def create_app_from_env() -> Edge:
    """The factory `clientbook serve` hands to granian (one per worker process)."""
    app = create_app(Settings())
    app.state.watch_parent = True  # a worker stops once its server process is gone
    # What a server process holds now (modules, the app, its routes and models) lives as
    # long as the process: frozen, the cyclic collector no longer scans it, so a full
    # collection costs ~2 ms instead of ~20-80 ms, the p99 of list and search requests
    # (docs/performance.md).
    gc.collect()
    gc.freeze()
    return app
