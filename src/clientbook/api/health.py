"""Operations, no token needed: liveness (/health), readiness (/ready) and the Prometheus
metrics (/metrics)."""

from __future__ import annotations

import functools
import logging

import sqlalchemy as sa

from clientbook.api import schemas
from clientbook.api.edge import Answer, Call
from clientbook.api.routing import RouteTable
from clientbook.errors import AppError
from clientbook.store import migrate

table = RouteTable(tags=("operations",))
log = logging.getLogger("clientbook")
_SELECT_ONE = sa.text("SELECT 1")
_REVISION = sa.text("SELECT version_num FROM alembic_version").columns(
    sa.column("version_num", sa.String)
)
_head_revision = functools.cache(migrate.head_revision)


class DatabaseUnavailable(AppError):
    status_code = 503
    error_code = "database_unavailable"
    message = "Database unavailable"


class NotMigrated(AppError):
    status_code = 503
    error_code = "database_not_migrated"
    message = "Database not migrated"


@table.route(
    "GET", "/health", doc={"responses": {503: {"description": "The database does not answer"}}}
)
async def health(call: Call) -> Answer:
    """200 when the service and its database answer; no token needed."""
    try:
        async with call.app.store.reading() as tx:
            await tx.execute(_SELECT_ONE)
    except Exception as error:
        log.warning("health check: the database does not answer (%s)", type(error).__name__)
        raise DatabaseUnavailable from None
    return Answer(200, {"database": "ok"})


@table.route(
    "GET",
    "/ready",
    doc={
        "responses": {
            503: {
                "model": schemas.ErrorEnvelope,
                "description": "The database does not answer, or is not at the newest migration",
            }
        }
    },
)
async def ready(call: Call) -> Answer:
    """200 when the database answers and is migrated to this code's newest revision."""
    try:
        async with call.app.store.probing() as tx:
            rows = (await tx.execute(_REVISION)).scalars()
    except Exception as error:
        if "alembic_version" in str(error):  # never migrated: no revision table
            raise NotMigrated from None
        log.warning("readiness: the database does not answer (%s)", type(error).__name__)
        raise DatabaseUnavailable from None
    current = rows[0] if rows else None
    if current != _head_revision():
        raise NotMigrated
    return Answer(200, {"database": "ok", "revision": current})


@table.route(
    "GET",
    "/metrics",
    doc={
        "responses": {
            200: {
                "description": "Prometheus text format: clientbook_http_requests_total and "
                "clientbook_http_request_duration_seconds, by method, route and status.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        }
    },
)
async def metrics(call: Call) -> Answer:
    """The request metrics of the server process that answers (one per worker)."""
    registry = call.app.metrics
    return Answer(200, body=registry.render(), content_type=registry.content_type.encode())
