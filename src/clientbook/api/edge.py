"""What every route does at its edge, in the contract's order of checks:
body size (413), authentication (401/403), rate limit (429), media type (415), JSON (400),
object (422).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Annotated, Any

import orjson
import sqlalchemy as sa
from fastapi import Depends, Request
from starlette.requests import ClientDisconnect
from starlette.types import Receive

from clientbook import auth
from clientbook.api.state import AppState
from clientbook.auth import Principal
from clientbook.errors import MalformedJSON, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from clientbook.store.uow import transaction


def state(request: Request) -> AppState:
    app_state: AppState = request.app.state.clientbook
    return app_state


async def _raw_body(request: Request) -> bytes:
    limit = state(request).settings.max_body_bytes
    return await read_body(request.receive, limit, request.headers.get("content-length"))


async def read_body(receive: Receive, limit: int, declared: str | None) -> bytes:
    """The request body, refused with 413 as soon as it passes the limit (a declared
    Content-Length beyond it is refused before any byte is read)."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        await _drain(receive)
        raise PayloadTooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
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
    with suppress(TimeoutError):
        async with asyncio.timeout(DRAIN_SECONDS):
            while read <= DRAIN_BYTES:
                message = await receive()
                if message["type"] != "http.request":
                    return
                read += len(message.get("body", b""))
                if not message.get("more_body", False):
                    return


RawBody = Annotated[bytes, Depends(_raw_body)]


@contextmanager
def unit(request: Request, *, write: bool) -> Iterator[tuple[sa.Connection, Principal]]:
    """One transaction for the request, opened by authenticating its token."""
    app_state = state(request)
    with transaction(app_state.engine, write=write) as conn:
        principal = auth.authenticate(
            conn,
            authorization=request.headers.get("authorization"),
            on_behalf_of=request.headers.get("x-on-behalf-of"),
            key=app_state.key,
        )
        # For the access log (api/access_log.py): who acted, never with what token.
        request.state.business_uid = principal.business_uid
        if app_state.limiter is not None:
            app_state.limiter.hit(principal.business_uid)
        yield conn, principal


def json_object(request: Request, raw: bytes) -> dict[str, Any]:
    """The body as a JSON object: 415 for another media type, 400 bad JSON, 422 not an object."""
    return parse_json_object(request.headers.get("content-type", ""), raw)


def parse_json_object(content_type: str, raw: bytes) -> dict[str, Any]:
    """json_object's rules, from the Content-Type header's value and the body."""
    if content_type.split(";", 1)[0].strip().lower() != "application/json":
        raise UnsupportedMediaType
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise MalformedJSON from None
    if not isinstance(body, dict):
        raise ValidationFailed("body", "must be a JSON object")
    return body
