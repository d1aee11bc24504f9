"""Liveness: 200 when the database answers."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Request
from starlette.responses import Response

from clientbook.api import edge
from clientbook.api.rendering import JSONResponse, error
from clientbook.errors import AppError

router = APIRouter(tags=["operations"])


class DatabaseUnavailable(AppError):
    status_code = 503
    error_code = "database_unavailable"
    message = "Database unavailable"


@router.get("/health", responses={503: {"description": "The database does not answer"}})
def health(request: Request) -> Response:
    """200 when the service and its database answer; no token needed."""
    try:
        with edge.state(request).engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return error(DatabaseUnavailable())
    return JSONResponse({"status": "OK", "data": {"database": "ok"}})
