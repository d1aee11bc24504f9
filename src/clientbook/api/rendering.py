"""The contract's envelope (section 3), encoded with orjson."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from clientbook.errors import AppError


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def ok(data: Any, *, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"status": "OK", "data": data}, status_code=status_code, headers=headers)


def error_body(error: AppError) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": "Error",
        "error": error.message,
        "error_code": error.error_code,
    }
    errors = getattr(error, "errors", None)
    if errors and error.status_code == 422:
        body["errors"] = errors
    return body


def error(error: AppError) -> Response:
    return JSONResponse(error_body(error), status_code=error.status_code, headers=error.headers)


def ok_flat(body: dict[str, Any]) -> Response:
    """`{"status": "OK", ...body}`: the merge endpoints' envelope has no `data`."""
    return JSONResponse({"status": "OK", **body})
