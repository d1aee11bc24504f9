"""The edge: the one ASGI app in front of every route (api/routing.py).

It applies the contract's order of checks (section 3) to every route, in one place:

1. unknown path (404 `Not found`) or method (405, with `Allow`): `RouteTable.resolve`;
2. body too large (413), or a body whose framing is broken (400): `read_body`, before the
   handler, for the routes that take a body;
3. the token (401): `Call.access` verifies its signature and times without SQL; whether
   it is live and may act on the business (401/403) is checked by the first statement of
   the use case (`Call.unit` -> service/access.py `authorize`, or the statement that
   reads or writes, for POST, GET one and PUT: service/clients.py);
4. the rate limit (429): `Call.admit`, called once the principal is known;
5. media type (415), malformed JSON (400), not an object (422): `Call.json()`, called
   by the use case after 3 and 4;
6. validation (422), existence (404) and conflicts (409): the use case's own.

Around all of it: the request id (X-Request-Id on every response), the access-log line
and metrics of every request, and a 500 that leaks nothing for any other exception.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from clientbook import auth, orphans
from clientbook.api import access_log
from clientbook.api.rendering import error_body
from clientbook.api.routing import Route, RouteTable
from clientbook.api.state import AppState
from clientbook.auth import Principal
from clientbook.errors import (
    AppError,
    InternalError,
    MalformedBody,
    MalformedJSON,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from clientbook.service import access as access_rules
from clientbook.store.database import Access, StaleConnection, Transaction

log = logging.getLogger("clientbook")
_JSON = b"application/json"
_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# A header value holds visible ASCII only: anything else in a field name is %-escaped.
_HEADER_SAFE = re.compile(r"[!-~]*")
INTERNAL_ERROR_BODY = orjson.dumps(error_body(InternalError()))


@dataclass(slots=True)
class Answer:
    """What a handler answers: a status and the envelope's `data` (or a whole body)."""

    status: int = 200
    data: Any = None
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes | None = None  # sent as it is, with `content_type`, instead of the envelope
    content_type: bytes = _JSON
    flat: bool = False  # `{"status": "OK", **data}`: the merge endpoints' envelope

    def payload(self) -> bytes:
        if self.body is not None:
            return self.body
        if self.flat:
            return orjson.dumps({"status": "OK", **self.data})
        return orjson.dumps({"status": "OK", "data": self.data})


class Call:
    """One request as its handler sees it: path parameters, headers, query, body, and the
    checks of the contract's order that the handler runs in their turn."""

    __slots__ = (
        "_access",
        "_query",
        "app",
        "authorization",
        "content_length",
        "content_type",
        "on_behalf_of",
        "params",
        "raw",
        "route",
        "scope",
        "state",
    )

    def __init__(self, app: AppState, route: Route, scope: Scope, params: dict[str, str]):
        self.app = app
        self.route = route
        self.scope = scope
        self.params = params
        self.state: dict[str, Any] = scope["state"]
        self.raw = b""
        self.authorization: str | None = None
        self.on_behalf_of: str | None = None
        self.content_type: str | None = None
        self.content_length: str | None = None
        for name, value in scope["headers"]:  # the first of repeated headers counts
            attribute = _HEADERS.get(name)
            if attribute is not None and getattr(self, attribute) is None:
                setattr(self, attribute, value.decode("latin-1"))
        self._access: Access | None = None
        self._query: QueryParams | None = None

    @property
    def query(self) -> QueryParams:
        if self._query is None:
            self._query = QueryParams(self.scope.get("query_string", b""))
        return self._query

    @property
    def access(self) -> Access:
        """The verified token and the business it asks to act on (401 without SQL)."""
        if self._access is None:
            token = auth.decode(auth.bearer_token(self.authorization), key=self.app.key)
            self._access = access_rules.access_of(token, self.on_behalf_of)
        return self._access

    async def admit(self, business_uid: str) -> None:
        """The rate limit of the business acted on (429); also names it in the access log."""
        self.state["business_uid"] = business_uid  # who acted, never with what token
        limiter = self.app.limiter
        if limiter is not None:
            await limiter.hit(business_uid)

    def json(self) -> dict[str, Any]:
        """The body as a JSON object: 415 for another media type, 400 bad JSON, 422 not an
        object."""
        return parse_json_object(self.content_type or "", self.raw)

    def json_or_error(self) -> dict[str, Any] | AppError:
        """`json()`, or the error it earns (for a use case that raises it in its turn)."""
        try:
            return self.json()
        except AppError as error:
            return error

    @asynccontextmanager
    async def unit(self, *, write: bool) -> AsyncIterator[tuple[Transaction, Principal]]:
        """A unit of work for the request (a write unit, or a read snapshot), opened by
        authorising its token (401/403) and counting it (429)."""
        access = self.access
        store = self.app.store
        async with store.writing() if write else store.snapshot() as tx:
            principal = await access_rules.authorize(tx, access)
            await self.admit(principal.business_uid)
            yield tx, principal


_HEADERS = {
    b"authorization": "authorization",
    b"x-on-behalf-of": "on_behalf_of",
    b"content-type": "content_type",
    b"content-length": "content_length",
}


class Edge:
    """The ASGI app: routes every request through the contract's checks to its handler."""

    def __init__(self, table: RouteTable, state: AppState) -> None:
        self.table = table
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        watcher = orphans.watching_parent() if self.state.watch_parent else None
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.state.start()
                except Exception as error:
                    log.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(error)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if watcher is not None:
                    watcher.cancel()
                access_log.flush()  # the lines of the last requests (AccessLogHandler)
                with suppress(Exception):
                    await self.state.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        request_id = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        method: str = scope["method"]
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        route, params, allowed = self.table.resolve(method, path)
        label = route.path if route is not None else self.table.template(path)
        status = 500  # what the access log says of a request left unanswered
        try:
            status, headers, payload = await self._answer(route, params, allowed, scope, receive)
        except ClientDisconnect:
            return
        finally:
            access_log.record(
                self.state.metrics, scope, route=label or access_log.UNMATCHED,
                status=status, request_id=request_id, seconds=time.perf_counter() - started,
            )  # fmt: skip
        headers.append((b"x-request-id", request_id.encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else payload})

    async def _answer(
        self,
        route: Route | None,
        params: dict[str, str],
        allowed: list[str],
        scope: Scope,
        receive: Receive,
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Status, headers and body: the handler's answer, or the envelope of its error."""
        try:
            if route is None:
                if allowed:
                    raise MethodNotAllowed(headers={"Allow": _allow(allowed)})
                raise NotFound
            if not self.state.key:
                await self.state.ready()
            call = Call(self.state, route, scope, params)
            if route.body != "none":
                call.raw = await read_body(
                    receive, self.state.settings.max_body_bytes, call.content_length
                )
            try:
                answer = await route.handler(call)
            except StaleConnection:
                # PostgreSQL had closed a pooled connection (a restart): nothing was done.
                await self.state.store.refresh()
                answer = await route.handler(call)
            payload = answer.payload()
            headers = [(b"content-type", answer.content_type), *answer.headers]
            status = answer.status
        except AppError as error:
            payload = orjson.dumps(error_body(error))
            headers = [(b"content-type", _JSON)]
            headers.extend((k.lower().encode(), v.encode()) for k, v in error.headers.items())
            status = error.status_code
        except ClientDisconnect:
            raise
        except Exception:
            log.exception("unhandled error", extra={"request_id": scope["state"]["request_id"]})
            payload, headers, status = INTERNAL_ERROR_BODY, [(b"content-type", _JSON)], 500
        headers.append((b"content-length", b"%d" % len(payload)))
        return status, headers, payload


def _allow(methods: list[str]) -> str:
    served = set(methods)
    if "GET" in served:
        served.add("HEAD")
    return ", ".join(m for m in _METHODS if m in served)


def field_names(names: list[str]) -> bytes:
    """X-Ignored-Fields: the names, comma-separated; a name that a header cannot carry
    as is (non-ASCII, control characters) is percent-encoded."""
    return ",".join(n if _HEADER_SAFE.fullmatch(n) else quote(n, safe="") for n in names).encode()


# Body -------------------------------------------------------------------------------


async def read_body(receive: Receive, limit: int, declared: str | None) -> bytes:
    """The request body, refused with 413 as soon as it passes the limit (a declared
    Content-Length beyond it is refused before any byte is read), and with 400 when the
    server cannot read it (broken chunked framing)."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        await _drain(receive)
        raise PayloadTooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await _receive(receive)
        if message["type"] == "http.disconnect":
            # Before the body's end. granian says so of a chunked body it cannot parse
            # (the connection still open): a 400; a client that has gone never reads it.
            raise MalformedBody
        chunk: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        size += len(chunk)
        if size > limit:
            if more:
                await _drain(receive)
            raise PayloadTooLarge
        chunks.append(chunk)
        if not more:
            return b"".join(chunks)


async def _receive(receive: Receive) -> Any:
    """The next message of the request; a body the server failed to read (a malformed
    chunk, a connection error mid-body) is the client's fault: 400, nothing done."""
    try:
        return await receive()
    except (ClientDisconnect, asyncio.CancelledError):
        raise
    except Exception:
        raise MalformedBody from None


# How much of a refused body is read (and dropped) before the 413 is sent, at most.
DRAIN_BYTES = 16 * 1024 * 1024
DRAIN_SECONDS = 5.0


async def _drain(receive: Receive) -> None:
    """Read and drop the rest of a refused body, up to DRAIN_BYTES, before answering 413.

    A client still sending would otherwise meet a connection closed with its data unread,
    which the kernel resets: most clients then lose the 413 and report a broken
    connection (nginx's "lingering close" does the same). A larger or slower body is
    cut short.
    """
    read = 0
    with suppress(Exception):
        async with asyncio.timeout(DRAIN_SECONDS):
            while read <= DRAIN_BYTES:
                message = await receive()
                if message["type"] != "http.request":
                    return
                read += len(message.get("body", b""))
                if not message.get("more_body", False):
                    return


def parse_json_object(content_type: str, raw: bytes) -> dict[str, Any]:
    """The body as a JSON object: 415 for another media type, 400 bad JSON, 422 not an
    object."""
    if content_type.split(";", 1)[0].strip().lower() != "application/json":
        raise UnsupportedMediaType
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise MalformedJSON from None
    if _has_duplicate_keys(raw, body):
        raise MalformedJSON
    if not isinstance(body, dict):
        raise ValidationFailed("body", "must be a JSON object")
    return body


# A JSON string (escapes included): what is left outside them is structure and numbers.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')


def _has_duplicate_keys(raw: bytes, parsed: Any) -> bool:
    """Whether an object of the document names a key twice (orjson keeps the last value;
    a proxy or library that keeps the first would read another request: docs/decisions.md).

    Outside strings, a colon only separates a key from its value, so the document has as
    many members as colons there; its objects hold fewer when a key repeats. Checked
    only when the body has a colon (members) and costs a scan of it."""
    if b":" not in raw:
        return False
    members = _JSON_STRING.sub(b"", raw).count(b":")
    return members != _members(parsed)


def _members(value: Any) -> int:
    """The keys of every object in a parsed document, counted without recursion (orjson
    takes documents 1,024 levels deep: more than Python's stack)."""
    count, waiting = 0, [value]
    while waiting:
        item = waiting.pop()
        if isinstance(item, dict):
            count += len(item)
            waiting.extend(item.values())
        elif isinstance(item, list):
            waiting.extend(item)
    return count


# Request ids ------------------------------------------------------------------------

# Generated ids: this process's random prefix and a counter (unique, and cheap).
_PREFIX = os.urandom(8).hex()
_SERIAL = itertools.count(1)


def _new_process() -> None:
    global _PREFIX, _SERIAL
    _PREFIX = os.urandom(8).hex()
    _SERIAL = itertools.count(1)


os.register_at_fork(after_in_child=_new_process)


def request_id_of(scope: Scope) -> str:
    """The caller's X-Request-Id when well-formed, else a new id (32 hex digits)."""
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _VALID_ID.fullmatch(candidate):
                return candidate
            break
    return f"{_PREFIX}{next(_SERIAL):016x}"
