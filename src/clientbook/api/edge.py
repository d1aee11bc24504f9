"""What every route does at its edge, in the contract's order of checks:
body size (413), authentication (401/403), rate limit (429), media type (415), JSON (400),
object (422).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import orjson
import sqlalchemy as sa
from fastapi import Depends, Request

from clientbook import auth
from clientbook.api.state import AppState
from clientbook.auth import Principal
from clientbook.errors import MalformedJSON, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from clientbook.store.uow import transaction


def state(request: Request) -> AppState:
    app_state: AppState = request.app.state.clientbook
    return app_state


async def _raw_body(request: Request) -> bytes:
    """The request body, refused with 413 as soon as it passes the limit."""
    limit = state(request).settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


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
