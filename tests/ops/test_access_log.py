"""One JSON access-log line per request: who, what route, how it ended; never secrets."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from clientbook.api.access_log import AccessLogHandler
from tests.api.support import BASE
from tests.factories import Tenant

ACCESS = "clientbook.access"


def _lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == ACCESS]


def test_each_line_carries_the_utc_time_of_its_request_to_the_microsecond(
    asgi_client: TestClient, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    # The date and time are formatted once a second (api/access_log.py): each line must
    # still carry its own instant, in UTC, as YYYY-MM-DDTHH:MM:SS.ffffffZ.
    before = datetime.now(UTC).replace(tzinfo=None)
    with caplog.at_level("INFO", logger=ACCESS):
        for _ in range(3):
            asgi_client.get(BASE, headers=tenant.headers())
    after = datetime.now(UTC).replace(tzinfo=None)

    stamps = [line["ts"] for line in _lines(caplog)]
    assert len(stamps) == 3
    moments = [datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ") for ts in stamps]
    assert all(len(ts) == len("2026-01-01T00:00:00.000000Z") for ts in stamps)
    assert before - timedelta(milliseconds=1) <= moments[0]
    assert moments == sorted(moments)
    assert moments[-1] <= after + timedelta(milliseconds=1)


def test_one_line_per_request_with_route_template_and_business(
    asgi_client: TestClient, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    secret_name = "Zebedee-Unique"
    body = {"first_name": secret_name, "email": "zebedee@example.com", "phone": "+12025550123"}
    with caplog.at_level("INFO", logger=ACCESS):
        created = asgi_client.post(
            BASE, json=body, headers={**tenant.headers(), "X-Request-Id": "req-42"}
        )
        client_id = created.json()["data"]["client"]["id"]
        fetched = asgi_client.get(f"{BASE}/{client_id}?x=zebedee", headers=tenant.headers())

    lines = _lines(caplog)
    assert [line["route"] for line in lines] == [BASE, BASE + "/{client_id}"]
    first, second = lines
    assert set(first) == {
        "ts",
        "event",
        "request_id",
        "method",
        "route",
        "status",
        "latency_ms",
        "business_uid",
    }
    assert first["request_id"] == "req-42"
    assert (first["method"], first["status"]) == ("POST", 201)
    assert first["business_uid"] == tenant.business_uid
    assert isinstance(first["latency_ms"], float)
    assert first["latency_ms"] >= 0
    assert second["request_id"] == fetched.headers["x-request-id"]
    assert (second["method"], second["status"]) == ("GET", 200)
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == ACCESS)
    for secret in (
        tenant.staff_token,
        tenant.staff_token.split(".")[2],
        secret_name,
        "zebedee",
        "2025550123",
        client_id,
        created.json()["data"]["token"].split(".")[2],
    ):
        assert secret not in text


def test_unauthenticated_and_unknown_requests_are_logged_without_business(
    asgi_client: TestClient, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger=ACCESS):
        asgi_client.get(f"{BASE}/abc", headers={"Authorization": "Bearer not-a-token"})
        asgi_client.get("/no/such/path/ada@example.com")
        asgi_client.delete("/health")

    lines = _lines(caplog)
    assert [(line["route"], line["status"]) for line in lines] == [
        (BASE + "/{client_id}", 401),
        ("<unmatched>", 404),
        ("/health", 405),
    ]
    assert all(line["business_uid"] is None for line in lines)
    assert "ada@example.com" not in caplog.text
    assert "not-a-token" not in caplog.text


@pytest.fixture
def serve_handler() -> Iterator[tuple[AccessLogHandler, io.StringIO]]:
    """The access logger as `clientbook serve` sets it up, writing to a buffer."""
    logger = logging.getLogger(ACCESS)
    saved = (logger.handlers[:], logger.level, logger.propagate)
    stream = io.StringIO()
    handler = AccessLogHandler(stream)
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield handler, stream
    finally:
        logger.handlers[:], logger.level, logger.propagate = saved


def test_the_serve_handler_gets_one_line_per_request(
    asgi_client: TestClient, tenant: Tenant, serve_handler: tuple[AccessLogHandler, io.StringIO]
) -> None:
    handler, stream = serve_handler
    asgi_client.get(f"{BASE}/nobody", headers=tenant.headers())
    asgi_client.get("/health")
    handler.flush()  # the app's loop may not have ended the turn of the last line yet
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["route"], line["status"]) for line in lines] == [
        (BASE + "/{client_id}", 404),
        ("/health", 200),
    ]


def test_a_filter_on_the_serve_handler_is_honoured(
    asgi_client: TestClient, tenant: Tenant, serve_handler: tuple[AccessLogHandler, io.StringIO]
) -> None:
    handler, stream = serve_handler
    handler.addFilter(lambda record: "/health" not in record.getMessage())
    asgi_client.get(f"{BASE}/nobody", headers=tenant.headers())
    asgi_client.get("/health")
    handler.flush()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["route"] for line in lines] == [BASE + "/{client_id}"]


class _Writes(io.StringIO):
    """A stream that counts its writes."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def test_the_lines_of_one_event_loop_turn_are_written_together_when_it_ends() -> None:
    stream = _Writes()
    handler = AccessLogHandler(stream)

    async def answer_three() -> tuple[str, str]:
        for n in range(3):
            handler.write_line(f'{{"n":{n}}}')
        during = stream.getvalue()
        await asyncio.sleep(0)  # the turn ends: the flush it scheduled runs
        await asyncio.sleep(0)
        return during, stream.getvalue()

    during, after = asyncio.run(answer_three())
    assert during == ""
    assert after == '{"n":0}\n{"n":1}\n{"n":2}\n'
    assert stream.writes == 1


def test_a_line_written_outside_an_event_loop_is_written_at_once() -> None:
    stream = _Writes()
    AccessLogHandler(stream).write_line('{"n":0}')
    assert stream.getvalue() == '{"n":0}\n'


def test_flush_writes_the_lines_that_wait_in_their_order() -> None:
    stream = io.StringIO()
    handler = AccessLogHandler(stream)

    async def answer_and_flush() -> str:
        handler.write_line('{"n":0}')
        handler.write_line('{"n":1}')
        handler.flush()  # as the app's shutdown does, before the loop's turn ends
        return stream.getvalue()

    assert asyncio.run(answer_and_flush()) == '{"n":0}\n{"n":1}\n'
