"""Malformed chunked bodies against a running `clientbook serve`: raw HTTP/1.1 over a socket.

Each body endpoint (POST /clients, PUT /clients/{id}, PUT /clients/bulk) gets a request with
`Transfer-Encoding: chunked` and a broken framing: a non-hex, negative or huge chunk size
(on the first chunk, or after a chunk holding the whole JSON body), garbage where a chunk's
closing CRLF belongs, or a body cut short and the connection half-closed.

The rule: a 400 in the contract's envelope, or the connection closed with no response at
all; never a 5xx, the server still serving, and nothing written (the client unchanged, no
client created, every row of the tenant unchanged).
"""

from __future__ import annotations

import secrets
import socket
import time
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import orjson
import pytest
import sqlalchemy as sa

from clientbook.config import Settings
from tests import factories
from tests.safety import world as worlds
from tests.safety.world import BASE

# How long to wait for the server's answer (or its close) after the request is sent.
ANSWER_SECONDS = 10.0
ENVELOPE_KEYS = {"status", "error", "error_code"}


@dataclass(frozen=True)
class Answer:
    """What came back on the socket: nothing (closed), a response, or a hang."""

    raw: bytes
    closed: bool  # the server closed its side (EOF seen)
    status: int | None = None
    headers: dict[str, str] | None = None
    body: bytes = b""

    def describe(self) -> str:
        if self.status is None:
            state = "closed" if self.closed else f"no answer within {ANSWER_SECONDS:g}s, open"
            return f"{state}; raw={self.raw[:200]!r}"
        content_type = (self.headers or {}).get("content-type", "")
        return f"{self.status} content-type={content_type!r} body={self.body[:300]!r}"


@dataclass(frozen=True)
class Framing:
    """A broken chunked body, built around a valid JSON payload."""

    name: str
    # The bytes after the headers, given the JSON payload.
    body: Any
    # Half-close our side after sending (the truncated body: the client goes away).
    half_close: bool = False


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


FRAMINGS = [
    Framing("non-hex size", lambda p: b"zz\r\n" + p + b"\r\n0\r\n\r\n"),
    Framing("non-hex size after data", lambda p: _chunk(p) + b"zz\r\nab\r\n0\r\n\r\n"),
    Framing("negative size", lambda p: b"-%x\r\n" % len(p) + p + b"\r\n0\r\n\r\n"),
    Framing("negative size after data", lambda p: _chunk(p) + b"-2\r\nab\r\n0\r\n\r\n"),
    Framing("huge size", lambda p: b"ffffffffffffffffff\r\n" + p + b"\r\n0\r\n\r\n"),
    Framing("huge size after data", lambda p: _chunk(p) + b"ffffffffffffffffff\r\nab\r\n0\r\n\r\n"),
    Framing("garbage after data", lambda p: b"%x\r\n" % len(p) + p + b"XX0\r\n\r\n"),
    Framing(
        "truncated then closed",
        lambda p: b"%x\r\n" % (len(p) + 64) + p,
        half_close=True,
    ),
]


def _read_answer(sock: socket.socket) -> Answer:
    """Read one response (status line, headers, Content-Length body) or until EOF/timeout."""
    raw = b""
    deadline = time.monotonic() + ANSWER_SECONDS
    closed = False
    while True:
        head_end = raw.find(b"\r\n\r\n")
        if head_end >= 0:
            answer = _parse(raw, head_end, closed)
            if answer is not None:
                return answer
        if closed:
            break
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        sock.settimeout(remaining)
        try:
            data = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            closed = True
            continue
        if not data:
            closed = True
            continue
        raw += data
    if raw.find(b"\r\n\r\n") >= 0:
        # Headers but a short body: report what there is.
        return _parse(raw, raw.find(b"\r\n\r\n"), closed, complete=False) or Answer(raw, closed)
    return Answer(raw, closed)


def _parse(raw: bytes, head_end: int, closed: bool, *, complete: bool = True) -> Answer | None:
    lines = raw[:head_end].decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = raw[head_end + 4 :]
    length = headers.get("content-length")
    if complete and length is not None and length.isdigit() and len(body) < int(length):
        return None  # more to read
    if complete and length is None and not closed:
        return None  # read until close
    if length is not None and length.isdigit():
        body = body[: int(length)]
    return Answer(raw, closed, status, headers, body)


def _send(
    base_url: str, method: str, path: str, payload: bytes, token: str, framing: Framing
) -> Answer:
    url = httpx.URL(base_url)
    assert url.host == "127.0.0.1"
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {url.host}:{url.port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    with socket.create_connection((url.host, url.port or 80), timeout=ANSWER_SECONDS) as sock:
        try:
            sock.sendall(head + framing.body(payload))
            if framing.half_close:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may cut a bad request short: then see what it answered
        return _read_answer(sock)


@dataclass(frozen=True)
class Owner:
    tenant: factories.Tenant
    client_id: str
    email: str  # the email a POST would create a client with
    # Each endpoint's method, path and JSON body (a write that GET would show).
    endpoints: dict[str, tuple[str, str, bytes]]


@pytest.fixture(scope="module")
def owner(served_client: httpx.Client, engine: sa.Engine, settings: Settings) -> Owner:
    tenant = factories.tenant(engine, settings)
    made = served_client.post(
        BASE, json={"first_name": "Ada", "opt_in": False}, headers=tenant.headers()
    )
    assert made.status_code == 201, made.text
    client_id = made.json()["data"]["client"]["id"]
    email = f"chunked-{secrets.token_hex(6)}@example.com"
    update = {"first_name": "Mallory", "opt_in": True}
    bulk = {"clients": [{"id": client_id, "opt_in": True}]}
    endpoints = {
        "POST /clients": ("POST", BASE, orjson.dumps({"first_name": "Mallory", "email": email})),
        "PUT /clients/{id}": ("PUT", f"{BASE}/{client_id}", orjson.dumps(update)),
        "PUT /clients/bulk": ("PUT", f"{BASE}/bulk", orjson.dumps(bulk)),
    }
    return Owner(tenant, client_id, email, endpoints)


def _views(client: httpx.Client, owner: Owner) -> tuple[Any, Any]:
    """The client as GET shows it, and the clients a GET finds by the POST's email."""
    one = client.get(f"{BASE}/{owner.client_id}", headers=owner.tenant.headers())
    assert one.status_code == 200, one.text
    found = client.get(
        BASE,
        params={"search_by": "email", "search_term": owner.email},
        headers=owner.tenant.headers(),
    )
    assert found.status_code == 200, found.text
    return one.json()["data"], found.json()["data"]["clients"]


def _verdict(answer: Answer) -> str | None:
    """None when the answer keeps the rule, else what is wrong with it."""
    if answer.status is None:
        return None if answer.closed else "neither an answer nor a close"
    if answer.status != 400:
        return f"status {answer.status}, not 400"
    headers = answer.headers or {}
    if not headers.get("content-type", "").startswith("application/json"):
        return "a 400 that is not JSON"
    try:
        body = orjson.loads(answer.body)
    except orjson.JSONDecodeError:
        return "a 400 whose body is not JSON"
    if not isinstance(body, dict) or set(body) != ENVELOPE_KEYS or body["status"] != "Error":
        return "a 400 outside the envelope"
    return None


@pytest.mark.parametrize("framing", FRAMINGS, ids=[f.name for f in FRAMINGS])
@pytest.mark.parametrize("endpoint", ["POST /clients", "PUT /clients/{id}", "PUT /clients/bulk"])
def test_a_malformed_chunked_body_is_a_400_or_a_close_and_writes_nothing(
    served_client: httpx.Client,
    owner: Owner,
    engine: sa.Engine,
    endpoint: str,
    framing: Framing,
) -> None:
    method, path, payload = owner.endpoints[endpoint]
    before = _views(served_client, owner)
    rows_before = worlds.checksum(engine, owner.tenant.business_uid)

    base_url = str(served_client.base_url)
    answer = _send(base_url, method, path, payload, owner.tenant.staff_token, framing)

    # The server lives on, and nothing was written, whatever it answered.
    assert served_client.get("/health").status_code == 200
    assert _views(served_client, owner) == before, f"{endpoint} wrote: {answer.describe()}"
    assert worlds.checksum(engine, owner.tenant.business_uid) == rows_before
    wrong = _verdict(answer)
    assert wrong is None, f"{endpoint}, {framing.name}: {wrong}: {answer.describe()}"


def test_a_well_framed_chunked_body_is_accepted(served_client: httpx.Client, owner: Owner) -> None:
    """The control: the same requests, chunked correctly, do what they say."""
    good = Framing("good", lambda p: _chunk(p[:5]) + _chunk(p[5:]) + b"0\r\n\r\n")
    method, url, payload = owner.endpoints["PUT /clients/{id}"]
    base_url = str(served_client.base_url)
    answer = _send(base_url, method, url, payload, owner.tenant.staff_token, good)
    assert answer.status == 200, answer.describe()
    assert orjson.loads(answer.body)["data"]["client"]["first_name"] == "Mallory"
    # Put it back, for any test after this one.
    restored = served_client.put(
        url, json={"first_name": "Ada", "opt_in": False}, headers=owner.tenant.headers()
    )
    assert restored.status_code == 200, restored.text
