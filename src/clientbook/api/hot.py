"""POST /platform/v1/clients and GET and PUT /platform/v1/clients/{client_id}, served
ahead of the framework.

They are most of a clients service's traffic, and FastAPI's middleware, routing,
dependency solving and thread-pool hop cost more than their work (docs/performance.md).
The app (app.py) sends them to `HotRoutes` before FastAPI's own per-request work;
`HotRoutes` gives them what the request-id/500 and access-log middleware give every
other route, through the same functions.
The routes' declarations in api/clients.py stay: they document the operations
(OpenAPI) and name the route in logs and metrics.

The edge rules are the same as api/edge.py's, in the contract's order: 413, 401/403,
429, 415, 400, 422, 404, 409.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import orjson
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from clientbook import auth, ids
from clientbook.api import access_log
from clientbook.api.edge import parse_json_object, read_body
from clientbook.api.middleware import INTERNAL_ERROR_BODY, INTERNAL_ERROR_HEADERS, request_id_of
from clientbook.api.rendering import error_body
from clientbook.api.state import AppState
from clientbook.errors import AppError
from clientbook.service import hot
from clientbook.store.direct import Access, StaleConnection

PATH = "/platform/v1/clients/{client_id}"
COLLECTION = "/platform/v1/clients"
PREFIX = COLLECTION + "/"
_JSON = (b"content-type", b"application/json")
# A header value holds visible ASCII only: anything else in a field name is %-escaped.
_HEADER_SAFE = re.compile(r"[!-~]*")
log = logging.getLogger("clientbook")


def is_hot(scope: Scope) -> bool:
    """POST /platform/v1/clients, or GET or PUT /platform/v1/clients/{client_id} (one path
    segment; PUT /clients/bulk is another route). Sets the scope's path_params."""
    method = scope["method"]
    if method != "GET" and method != "PUT" and method != "POST":
        return False
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    if method == "POST":
        return path == COLLECTION
    if not path.startswith(PREFIX):
        return False
    client_id = path[len(PREFIX) :]
    if not client_id or "/" in client_id or (method == "PUT" and client_id == "bulk"):
        return False
    scope["path_params"] = {"client_id": client_id}
    return True


@dataclass(slots=True)
class _Request:
    """What the hot routes read of a request: its method, path parameter and headers."""

    method: str
    client_id: str | None
    authorization: str | None = None
    on_behalf_of: str | None = None
    content_type: str | None = None
    content_length: str | None = None

    @classmethod
    def of(cls, scope: Scope) -> _Request:
        request = cls(scope["method"], scope.get("path_params", {}).get("client_id"))
        for name, value in scope["headers"]:  # the first of repeated headers counts
            attribute = _HEADERS.get(name)
            if attribute is not None and getattr(request, attribute) is None:
                setattr(request, attribute, value.decode("latin-1"))
        return request


_HEADERS = {
    b"authorization": "authorization",
    b"x-on-behalf-of": "on_behalf_of",
    b"content-type": "content_type",
    b"content-length": "content_length",
}


class HotRoutes:
    """The ASGI app of POST /clients and GET and PUT /clients/{client_id}."""

    def __init__(self, *, state: AppState, routes: dict[str, APIRoute]) -> None:
        self.state = state
        self.routes = routes
        self.metrics = state.metrics
        self.client_token_ttl = timedelta(days=state.settings.client_token_ttl_days)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer with the request id; log and count the request (as api/middleware.py
        and api/access_log.py do for every other route, without wrapping `send`)."""
        started = time.perf_counter()
        request_id = request_id_of(scope)
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        request = _Request.of(scope)
        route = self.routes[request.method]
        scope["route"] = route
        status = 500  # what the access log says of a request left unanswered
        try:
            status, headers, payload = await self._response(request, receive, state)
        except ClientDisconnect:
            return
        except Exception:
            log.exception("unhandled error", extra={"request_id": request_id})
            status, headers, payload = 500, list(INTERNAL_ERROR_HEADERS), INTERNAL_ERROR_BODY
        finally:
            seconds = time.perf_counter() - started
            access_log.record(
                self.metrics, scope, route=route.path, status=status,
                request_id=request_id, seconds=seconds,
            )  # fmt: skip
        headers.append((b"x-request-id", request_id.encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def _response(
        self, request: _Request, receive: Receive, state: dict[str, Any]
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Status, headers and body: the envelope of a success or of an AppError."""

        async def admit(business_uid: str) -> None:
            # For the access log (api/access_log.py): who acted, never with what token.
            state["business_uid"] = business_uid
            limiter = self.state.limiter
            if limiter is not None:
                if limiter.blocking:
                    await run_in_threadpool(limiter.hit, business_uid)
                else:
                    limiter.hit(business_uid)

        headers = [_JSON]
        try:
            status, data = await self._answer(request, receive, admit, headers)
            payload = orjson.dumps({"status": "OK", "data": data})
        except AppError as error:
            status, payload = error.status_code, orjson.dumps(error_body(error))
            headers.extend((k.lower().encode(), v.encode()) for k, v in error.headers.items())
        headers.append((b"content-length", b"%d" % len(payload)))
        return status, headers, payload

    async def _answer(
        self,
        request: _Request,
        receive: Receive,
        admit: hot.Admit,
        headers: list[tuple[bytes, bytes]],
    ) -> tuple[int, dict[str, Any]]:
        """The status and `data` of a success; a failure raises its AppError."""
        store, settings = self.state.direct, self.state.settings
        raw = b""
        if request.method != "GET":
            raw = await read_body(receive, settings.max_body_bytes, request.content_length)
        token = auth.decode(auth.bearer_token(request.authorization), key=self.state.key)
        access = hot.access_of(token, request.on_behalf_of)
        try:
            return await self._use_case(request, access, raw, admit, headers)
        except StaleConnection:
            # PostgreSQL had closed a pooled connection (a restart): nothing was done.
            await store.refresh()
            return await self._use_case(request, access, raw, admit, headers)

    async def _use_case(
        self,
        request: _Request,
        access: Access,
        raw: bytes,
        admit: hot.Admit,
        headers: list[tuple[bytes, bytes]],
    ) -> tuple[int, dict[str, Any]]:
        store = self.state.direct
        if request.method == "GET":
            assert request.client_id is not None
            return 200, await hot.get_client(
                store,
                access=access,
                on_behalf_of=request.on_behalf_of,
                client_id=request.client_id,
                admit=admit,
            )
        body = _body_or_error(request.content_type, raw)
        if request.method == "POST":
            return 201, await hot.create_client(
                store,
                access=access,
                on_behalf_of=request.on_behalf_of,
                body=body,
                now=ids.utcnow(),
                key=self.state.key,
                client_token_ttl=self.client_token_ttl,
                admit=admit,
            )
        assert request.client_id is not None
        result = await hot.update_client(
            store,
            access=access,
            on_behalf_of=request.on_behalf_of,
            client_id=request.client_id,
            body=body,
            now=ids.utcnow(),
            admit=admit,
        )
        if result.ignored:
            headers.append((b"x-ignored-fields", _field_names(result.ignored)))
        return 200, result.body


def _body_or_error(content_type: str | None, raw: bytes) -> dict[str, Any] | AppError:
    """The JSON object of a PUT, or the error it earns (raised after auth and rate limit)."""
    try:
        return parse_json_object(content_type or "", raw)
    except AppError as error:
        return error


def _field_names(names: list[str]) -> bytes:
    """X-Ignored-Fields: the names, comma-separated; a name that a header cannot carry
    as is (non-ASCII, control characters) is percent-encoded."""
    return ",".join(n if _HEADER_SAFE.fullmatch(n) else quote(n, safe="") for n in names).encode()
