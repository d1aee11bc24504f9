"""One structured JSON line per request, and the request metrics (written by api/edge.py).

A line holds: time, request id, method, route template, status, latency in ms and the
business uid once the token was verified. Never the raw path, the query string, headers
or bodies: those can carry tokens and clients' personal data (an email in `search_term`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import orjson
from starlette.types import Scope

from clientbook.api.metrics import Metrics

LOGGER = "clientbook.access"
INFO = logging.INFO
UNMATCHED = "<unmatched>"
log = logging.getLogger(LOGGER)


def record(
    metrics: Metrics,
    scope: Scope,
    *,
    route: str,
    status: int,
    request_id: str | None,
    seconds: float,
) -> None:
    """Count an answered request in the metrics and write its access-log line."""
    metrics.observe(method=scope["method"], route=route, status=status, seconds=seconds)
    if not log.isEnabledFor(INFO):
        return
    state = scope.get("state") or {}
    entry = {
        "ts": _timestamp(time.time()),
        "event": "request",
        "request_id": request_id or state.get("request_id"),
        "method": scope["method"],
        "route": route,
        "status": status,
        "latency_ms": round(seconds * 1000, 2),
        "business_uid": state.get("business_uid"),
    }
    line = orjson.dumps(entry).decode()
    handlers = log.handlers
    if len(handlers) == 1 and not log.filters:
        handler = handlers[0]
        if type(handler) is AccessLogHandler and not handler.filters and handler.level <= INFO:
            handler.write_line(line)
            return
    # As log.info, without its look-up of the calling source line (unused by the
    # one-JSON-line format, and a tenth of a cached read's cost).
    log.handle(log.makeRecord(LOGGER, INFO, __file__, 0, line, (), None))


_second: tuple[int, str] = (-1, "")  # the last second written, as YYYY-MM-DDTHH:MM:SS


def _timestamp(now: float) -> str:
    """`now` (epoch seconds) in UTC with microseconds: 2026-11-26T20:00:00.123456Z. The
    date and time are formatted once a second (a third of a line's cost otherwise)."""
    global _second
    second = int(now)
    if _second[0] != second:
        _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{_second[1]}.{int((now - second) * 1_000_000):06d}Z"


class AccessLogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The access log's handler in `clientbook serve` (one bare line a request).

    When it is the access logger's only handler and no filter is set, `record` hands it
    the line directly: what `emit` would write, without building a LogRecord (a fifth of
    a cached read's cost). Any other logging set-up gets the usual records.

    Lines handed over on an event loop are written together once the loop's current turn
    is done (`call_soon`): the requests answered in one turn cost one write, not one
    each. A write a line was about a tenth of a GET one's server CPU (docs/performance.md,
    ninth round). A line waits for the end of its turn, microseconds after its response;
    the app's shutdown and `flush` write what waits. Elsewhere (no running loop in the
    thread) a line is written at once.
    """

    def __init__(self, stream: Any = None) -> None:
        super().__init__(stream)
        self._waiting: list[str] = []

    def write_line(self, line: str) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._write(line + self.terminator)
            return
        with self.lock:  # type: ignore[union-attr]
            self._waiting.append(line)
            first = len(self._waiting) == 1
        if first:
            loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write the lines that wait, then flush the stream."""
        with self.lock:  # type: ignore[union-attr]
            lines, self._waiting = self._waiting, []
        if lines:
            self._write("".join(line + self.terminator for line in lines))
        else:
            super().flush()

    def _write(self, text: str) -> None:
        try:
            with self.lock:  # type: ignore[union-attr]
                self.stream.write(text)
                self.stream.flush()
        except Exception:
            # As emit does: report the failure on stderr, never fail the request.
            self.handleError(logging.makeLogRecord({"msg": text, "name": LOGGER}))


def flush() -> None:
    """Write every access-log line that waits (at shutdown: the lifespan in app.py)."""
    for handler in log.handlers:
        handler.flush()


def serve_log_config() -> dict[str, Any]:
    """The logging of `clientbook serve` (a dictConfig for granian's workers): the access
    log, one bare JSON line a request on stdout; the server's own messages on stderr."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "clientbook_json": {"format": "%(message)s"},
            "generic": {"format": "[%(levelname)s] %(message)s"},
        },
        "handlers": {
            "clientbook_access": {
                "class": f"{__name__}.AccessLogHandler",
                "formatter": "clientbook_json",
                "stream": "ext://sys.stdout",
            },
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "generic",
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            LOGGER: {"handlers": ["clientbook_access"], "level": "INFO", "propagate": False},
            "_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
