"""Operations: readiness (/ready) and Prometheus metrics (/metrics). No token needed."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from fastapi import APIRouter, Request
from starlette.responses import Response

from clientbook.api import edge, schemas
from clientbook.api.health import DatabaseUnavailable
from clientbook.api.rendering import JSONResponse, error
from clientbook.errors import AppError
from clientbook.store import migrate

router = APIRouter(tags=["operations"])


class NotMigrated(AppError):
    status_code = 503
    error_code = "database_not_migrated"
    message = "Database not migrated"


_head_revision = functools.cache(migrate.head_revision)


@router.get(
    "/ready",
    responses={
        503: {
            "model": schemas.ErrorEnvelope,
            "description": "The database does not answer, or is not at the newest migration",
        }
    },
)
def ready(request: Request) -> Response:
    """200 when the database answers and is migrated to this code's newest revision."""
    head = _head_revision()
    try:
        with edge.state(request).engine.connect() as conn:
            current = migrate.current_revision(conn)
    except sa.exc.SQLAlchemyError:
        return error(DatabaseUnavailable())
    if current != head:
        return error(NotMigrated())
    return JSONResponse({"status": "OK", "data": {"database": "ok", "revision": current}})


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text format: clientbook_http_requests_total and "
            "clientbook_http_request_duration_seconds, by method, route and status.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
def metrics(request: Request) -> Response:
    """The request metrics of the server process that answers (one per worker)."""
    registry = edge.state(request).metrics
    return Response(registry.render(), media_type=registry.content_type)
