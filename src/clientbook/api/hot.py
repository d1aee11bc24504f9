"""GET and PUT /platform/v1/clients/{client_id}, served ahead of the framework's routing.

They are most of a clients service's traffic, and FastAPI's routing, dependency solving
and thread-pool hop cost more than their work (docs/performance.md). This ASGI
middleware sits inside the access log and the request-id/500 middleware, so both still
apply, and hands every other request on. The routes' declarations in api/clients.py
stay: they document the operations (OpenAPI) and name the route in logs and metrics.

The edge rules are the same as api/edge.py's, in the contract's order: 413, 401/403,
429, 415, 400, 422, 404, 409.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from clientbook import auth, ids
from clientbook.api.edge import parse_json_object
from clientbook.api.rendering import error_body
from clientbook.api.state import AppState
from clientbook.errors import AppError, PayloadTooLarge
from clientbook.service import hot
from clientbook.store.direct import Access

PATH = "/platform/v1/clients/{client_id}"
PREFIX = "/platform/v1/clients/"
_JSON = (b"content-type", b"application/json")
# A header value holds visible ASCII only: anything else in a field name is %-escaped.
_HEADER_SAFE = re.compile(r"[!-~]*")


class HotPath:
    """Serves GET and PUT of one client; passes everything else to `app`."""

    def __init__(self, app: ASGIApp, *, state: AppState, routes: dict[str, BaseRoute]) -> None:
        self.app = app
        self.state = state
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            method = scope["method"]
            if method == "GET" or method == "PUT":
                client_id = _client_id(scope)
                if client_id is not None and not (method == "PUT" and client_id == "bulk"):
                    await self._serve(scope, receive, send, method, client_id)
                    return
        await self.app(scope, receive, send)

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, method: str, client_id: str
    ) -> None:
        scope["route"] = self.routes[method]  # the access log's and metrics' route label
        state: dict[str, Any] = scope.setdefault("state", {})
        authorization = on_behalf_of = content_type = declared = None
        for name, value in scope["headers"]:
            if name == b"authorization" and authorization is None:
                authorization = value.decode("latin-1")
            elif name == b"x-on-behalf-of" and on_behalf_of is None:
                on_behalf_of = value.decode("latin-1")
            elif name == b"content-type" and content_type is None:
                content_type = value.decode("latin-1")
            elif name == b"content-length" and declared is None:
                declared = value.decode("latin-1")

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
            if method == "PUT":
                raw = await _read_body(receive, self.state.settings.max_body_bytes, declared)
            token = auth.decode(auth.bearer_token(authorization), key=self.state.key)
            access: Access = hot.access_of(token, on_behalf_of)
            if method == "GET":
                data = await hot.get_client(
                    self.state.direct, access=access, on_behalf_of=on_behalf_of,
                    client_id=client_id, admit=admit,
                )  # fmt: skip
            else:
                result = await hot.update_client(
                    self.state.direct, access=access, on_behalf_of=on_behalf_of,
                    client_id=client_id, body=_body_or_error(content_type, raw),
                    now=ids.utcnow(), admit=admit,
                )  # fmt: skip
                data = result.body
                if result.ignored:
                    headers.append((b"x-ignored-fields", _field_names(result.ignored)))
            status, payload = 200, orjson.dumps({"status": "OK", "data": data})
        except AppError as error:
            status, payload = error.status_code, orjson.dumps(error_body(error))
            headers.extend((k.lower().encode(), v.encode()) for k, v in error.headers.items())
        except ClientDisconnect:
            return
        headers.append((b"content-length", b"%d" % len(payload)))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


def _client_id(scope: Scope) -> str | None:
    """The `{client_id}` of /platform/v1/clients/{client_id} (one path segment), or None."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    if not path.startswith(PREFIX):
        return None
    client_id = path[len(PREFIX) :]
    return client_id if client_id and "/" not in client_id else None


async def _read_body(receive: Receive, limit: int, declared: str | None) -> bytes:
    """The request body, refused with 413 as soon as it passes the limit."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


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
