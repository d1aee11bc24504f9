"""The outermost layer: request ids on every response, and a 500 that leaks nothing."""

from __future__ import annotations

import itertools
import logging
import os
import re

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clientbook.api.rendering import error_body
from clientbook.errors import InternalError

_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
log = logging.getLogger("clientbook")


class EdgeMiddleware:
    """Sets X-Request-Id (the caller's own when well-formed) and turns crashes into 500s."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error", extra={"request_id": request_id})
            if started:
                raise
            await send_with_id(
                {"type": "http.response.start", "status": 500, "headers": INTERNAL_ERROR_HEADERS}
            )
            await send_with_id({"type": "http.response.body", "body": INTERNAL_ERROR_BODY})


INTERNAL_ERROR_BODY = orjson.dumps(error_body(InternalError()))
INTERNAL_ERROR_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", b"%d" % len(INTERNAL_ERROR_BODY)),
]
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
