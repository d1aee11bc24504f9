"""create_app(settings): routers, middleware and the one error renderer."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from clientbook import __version__, auth, orphans
from clientbook.api import (
    access_log,
    clients,
    docs,
    docs_ui,
    health,
    hot,
    ops,
    ratelimit,
    rendering,
)
from clientbook.api.access_log import AccessLogMiddleware
from clientbook.api.middleware import EdgeMiddleware
from clientbook.api.reads import ReadThreads
from clientbook.api.state import AppState
from clientbook.config import Settings
from clientbook.errors import AppError, InvalidRequest, MethodNotAllowed, NotFound
from clientbook.store.direct import open_store
from clientbook.store.engine import create_engine, is_sqlite
from clientbook.store.uow import sqlite_writer_lock, transaction

OPENAPI_URL = "/platform/v1/openapi.json"
_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def create_app(settings: Settings, *, engine: sa.Engine | None = None) -> FastAPI:
    """The ASGI app over a migrated database."""
    engine = engine or create_engine(settings.database_url, pool_size=settings.pool_size)
    with transaction(engine, write=True) as conn:
        key = auth.secret_key(conn, settings)
    direct = open_store(
        settings.database_url,
        writer_lock=sqlite_writer_lock(engine) if is_sqlite(engine) else None,
        pool_size=settings.pool_size,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await direct.start()
        try:
            yield
        finally:
            access_log.flush()  # the lines of the last requests (AccessLogHandler)
            await direct.close()

    app = _FastAPI(
        lifespan=lifespan,
        title="clientbook",
        version=__version__,
        description="The vcita / inTandem platform Clients API, self-hosted.",
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
        # `/clients/` is an unknown path (404 envelope), not a 307 to `/clients`.
        redirect_slashes=False,
    )
    app.state.clientbook = AppState(
        settings=settings,
        engine=engine,
        key=key,
        direct=direct,
        reads=ReadThreads(settings.read_threads),
        limiter=ratelimit.from_settings(settings),
    )
    app.include_router(health.router)
    app.include_router(ops.router)
    docs_ui.mount(app, openapi_url=OPENAPI_URL)
    app.include_router(clients.router)
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _request_validation_error)
    app.add_middleware(EdgeMiddleware)
    # Outermost: it sees the final status (500s included) and the request id.
    app.add_middleware(AccessLogMiddleware, metrics=app.state.clientbook.metrics)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


class _FastAPI(FastAPI):
    """FastAPI with the hot path (api/hot.py) in front of everything it does per request."""

    _hot: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and hot.is_hot(scope):
            scope["app"] = self
            if self._hot is None:
                self._hot = hot.HotRoutes(state=self.state.clientbook, routes=_hot_routes())
            await self._hot(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


_HOT = {(hot.COLLECTION, "POST"), (hot.PATH, "GET"), (hot.PATH, "PUT")}


def _hot_routes() -> dict[str, APIRoute]:
    """The declared routes the hot path serves, by method (for their route label)."""
    return {
        method: route
        for route in clients.router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
        if (route.path, method) in _HOT
    }


def create_app_from_env() -> FastAPI:
    """The factory `clientbook serve` hands to granian (one per worker process)."""
    app = create_app(Settings())
    app.router.lifespan_context = orphans.stopping_with_parent(app.router.lifespan_context)
    # What a server process holds now (modules, the app, its routes and models) lives as
    # long as the process: frozen, the cyclic collector no longer scans it, so a full
    # collection costs ~2 ms instead of ~20-80 ms, the p99 of list and search requests
    # (docs/performance.md).
    gc.collect()
    gc.freeze()
    return app


async def _app_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return rendering.error(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return rendering.error(NotFound())
    if exc.status_code == 405:
        return rendering.error(MethodNotAllowed(headers={"Allow": _allowed_methods(request)}))
    generic = AppError(str(exc.detail))
    generic.status_code = exc.status_code
    generic.error_code = "http_error"
    return rendering.error(generic)


async def _request_validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    field = str(first.get("loc", ["", "parameter"])[-1])
    return rendering.error(InvalidRequest(f"Validation failed: {field} is invalid", field=field))


def _allowed_methods(request: Request) -> str:
    """Every method some route serves on this path (Starlette names only the first route's).

    Each method is tried against the routes, since included routers match as a whole and
    do not expose their routes' methods.
    """
    routes = request.app.router.routes
    allowed = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes
        )
    ]
    return ", ".join(allowed)


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for model in docs.BODY_MODELS:
        model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(model_schema.pop("$defs", {}))
        schemas[model.__name__] = model_schema
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    }
    for path, operations in document["paths"].items():
        for operation in operations.values():
            responses = operation["responses"]
            if "HTTPValidationError" in str(responses.get("422", "")):
                del responses["422"]
            if path.startswith("/platform/v1/"):
                operation["security"] = [{"bearer": []}]
                operation.setdefault("parameters", []).append(
                    {
                        "name": "X-On-Behalf-Of",
                        "in": "header",
                        "required": False,
                        "description": "The business to act on: required with a directory "
                        "token; with a staff or app token it must equal the token's business.",
                        "schema": {"type": "string"},
                    }
                )
    app.openapi_schema = document
    return document
