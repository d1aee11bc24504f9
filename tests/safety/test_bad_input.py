"""Bad input: each gets the contract's error, in the contract's envelope, and changes nothing.

Malformed JSON (400), bodies that are not objects (422), wrong types for every field (422),
deep nesting, huge strings (422) and huge bodies (413, quickly), bad query parameters
(422), wrong media types (415), unknown methods (405 with Allow) and paths (404).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx2 as httpx
import pytest
import sqlalchemy as sa

from clientbook.config import Settings
from clientbook.domain.create import CREATE_FIELDS
from tests import factories
from tests.safety import world as worlds
from tests.safety.conftest import report
from tests.safety.world import BASE

FLAGS = {"opt_in", "spam", "opt_in_transactional_sms", "force_nullifying"}
CREATE_ONLY = {"opt_in_transactional_sms", "source_channel", "source_campaign"}
UPDATE_FIELDS = tuple(f for f in CREATE_FIELDS if f not in CREATE_ONLY)
WRONG_TYPES: list[Any] = [1, 1.5, True, [], {}, ["a"], {"a": "b"}]
MALFORMED = [b"{", b"{'a': 1}", b'{"a":}', b"nul", b"[1,", b"\xff\xfe", b'{"a": NaN}', b"{}}"]
NOT_OBJECTS = [b"[]", b"1", b'"text"', b"null", b"true", b'[{"first_name": "Ada"}]']
MEDIA_TYPES = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/jsonx",
    "application/xml",
    "",
]
BAD_QUERIES = [
    "per_page=0",
    "per_page=101",
    "per_page=-1",
    "per_page=abc",
    "page=0",
    "page=abc",
    "page=1.5",
    "search_by=foo&search_term=x",
    "search_by=email",
    "updated_at[gte]=notadate",
    "updated_at[lte]=2026-13-45",
    "phone_exists=maybe",
]
BAD_MERGE_QUERIES = [
    "merges/possible_merge_master",
    "merges/possible_merge_master?client_ids={a}",
    "merges/possible_merge_master?client_ids={a},{a}",
]


def body_endpoints(client_id: str) -> list[tuple[str, str]]:
    """The (method, url) of every endpoint that reads a JSON body."""
    return [("POST", BASE), ("PUT", f"{BASE}/{client_id}"), ("PUT", f"{BASE}/bulk")]


@pytest.fixture(scope="module")
def owner(
    unlimited_asgi: Any, engine: sa.Engine, unlimited_settings: Settings
) -> tuple[factories.Tenant, str]:
    tenant = factories.tenant(engine, unlimited_settings)
    response = unlimited_asgi.post(
        BASE, json={"first_name": "Ada", "email": "ada@example.com"}, headers=tenant.headers()
    )
    return tenant, response.json()["data"]["client"]["id"]


class Tally:
    def __init__(self) -> None:
        self.attempts = 0
        self.wrong: list[str] = []

    def expect(self, response: Any, status: int, error: str | None, what: str) -> None:
        self.attempts += 1
        body = response.json()
        ok = response.status_code == status and body.get("status") == "Error"
        if error is not None:
            ok = ok and body.get("error") == error
        if not ok:
            self.wrong.append(f"{what}: {response.status_code} {response.text[:300]}")


@pytest.fixture
def tally(
    owner: tuple[factories.Tenant, str], engine: sa.Engine, backend: str, request: Any
) -> Iterator[Tally]:
    tenant, _ = owner
    before = worlds.checksum(engine, tenant.business_uid)
    tally = Tally()
    yield tally
    report(f"bad input: {request.node.originalname}", backend, attempts=tally.attempts,
           failures=len(tally.wrong))  # fmt: skip
    assert tally.wrong == [], "\n".join(tally.wrong[:15])
    assert worlds.checksum(engine, tenant.business_uid) == before, "a refused request wrote"


JSON = {"Content-Type": "application/json"}


def test_malformed_and_non_object_bodies(
    unlimited_http: Any, owner: tuple[factories.Tenant, str], tally: Tally
) -> None:
    tenant, client_id = owner
    headers = {**tenant.headers(), **JSON}
    for method, url in body_endpoints(client_id):
        for raw in MALFORMED:
            response = unlimited_http.request(method, url, content=raw, headers=headers)
            tally.expect(response, 400, "Malformed JSON", f"{method} {url} {raw!r}")
        for raw in NOT_OBJECTS:
            response = unlimited_http.request(method, url, content=raw, headers=headers)
            tally.expect(response, 422, None, f"{method} {url} {raw!r}")
        deep = b'{"first_name": ' + b"[" * 5000 + b"]" * 5000 + b"}"
        response = unlimited_http.request(method, url, content=deep, headers=headers)
        tally.expect(response, response.status_code if response.status_code in (400, 422) else 400,
                     None, f"{method} {url} deep nesting")  # fmt: skip


def test_wrong_types_for_every_field(
    unlimited_http: Any, owner: tuple[factories.Tenant, str], tally: Tally
) -> None:
    tenant, client_id = owner
    for field in CREATE_FIELDS:
        for value in WRONG_TYPES:
            if field in FLAGS and value in (1, True):  # 1 and true are flags' own values
                continue
            body = {"first_name": "Ada", field: value}
            response = unlimited_http.post(BASE, json=body, headers=tenant.headers())
            tally.expect(response, 422, None, f"POST {body}")
    for field in UPDATE_FIELDS:
        for value in WRONG_TYPES:
            if field in FLAGS and value in (1, True):  # 1 and true are flags' own values
                continue
            response = unlimited_http.put(
                f"{BASE}/{client_id}", json={field: value}, headers=tenant.headers()
            )
            tally.expect(response, 422, None, f"PUT {field}={value!r}")
    for bulk in (
        {},
        {"clients": "x"},
        {"clients": {"id": client_id}},
        {"clients": [1]},
        {"clients": [{"id": 1, "opt_in": True}]},
        {"clients": [{"id": client_id, "opt_in": "maybe"}]},
        {"clients": [{"id": client_id}]},
        {"clients": [{"id": client_id, "opt_in": True, "first_name": "x"}]},
        {"clients": [{"id": client_id, "opt_in": True}, {"id": client_id, "opt_in": False}]},
    ):
        response = unlimited_http.put(f"{BASE}/bulk", json=bulk, headers=tenant.headers())
        tally.expect(response, 422, None, f"PUT bulk {bulk}")


def test_huge_strings_are_422(
    unlimited_http: Any, owner: tuple[factories.Tenant, str], tally: Tally
) -> None:
    tenant, client_id = owner
    huge = "x" * 500_000
    for field in (f for f in UPDATE_FIELDS if f not in FLAGS):
        response = unlimited_http.put(
            f"{BASE}/{client_id}", json={field: huge}, headers=tenant.headers()
        )
        tally.expect(response, 422, None, f"PUT huge {field}")
        body = {"first_name": "Ada", field: huge}
        response = unlimited_http.post(BASE, json=body, headers=tenant.headers())
        tally.expect(response, 422, None, f"POST huge {field}")
    many_tags = ",".join(f"t{i}" for i in range(5000))
    response = unlimited_http.put(
        f"{BASE}/{client_id}", json={"tags": many_tags}, headers=tenant.headers()
    )
    tally.expect(response, 422, None, "PUT 5000 tags")


def test_huge_bodies_get_413_quickly(
    unlimited_http: Any, owner: tuple[factories.Tenant, str], tally: Tally
) -> None:
    tenant, client_id = owner
    headers = {**tenant.headers(), **JSON}
    huge = b'{"first_name": "' + b"x" * (2 * 1024 * 1024) + b'"}'

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(huge), 65536):
            yield huge[start : start + 65536]

    for method, url in [*body_endpoints(client_id), ("PUT", f"{BASE}/merges/merge_clients")]:
        started = time.monotonic()
        response = unlimited_http.request(method, url, content=huge, headers=headers)
        tally.expect(response, 413, "Request entity too large", f"{method} {url} 2 MiB")
        if time.monotonic() - started > 5:
            tally.wrong.append(f"{method} {url}: 413 took {time.monotonic() - started:.1f} s")
        response = unlimited_http.request(method, url, content=chunks(), headers=headers)
        tally.expect(response, 413, "Request entity too large", f"{method} {url} chunked")
    # Without a token: the size is checked first (contract section 3).
    response = unlimited_http.post(BASE, content=huge, headers=JSON)
    tally.expect(response, 413, "Request entity too large", "POST 2 MiB without a token")


def test_bad_query_parameters(
    unlimited_http: Any, owner: tuple[factories.Tenant, str], tally: Tally
) -> None:
    tenant, client_id = owner
    for query in BAD_QUERIES:
        response = unlimited_http.get(f"{BASE}?{query}", headers=tenant.headers())
        tally.expect(response, 422, None, f"GET ?{query}")
    for path in BAD_MERGE_QUERIES:
        response = unlimited_http.get(
            f"{BASE}/{path.format(a=client_id)}", headers=tenant.headers()
        )
        tally.expect(response, 422, None, f"GET {path}")
    for query in (
        "",
        f"to_client_uid={client_id}",
        f"from_client_uids={client_id}",
        f"to_client_uid={client_id}&from_client_uids={client_id}",
    ):
        response = unlimited_http.put(
            f"{BASE}/merges/merge_clients?{query}", headers=tenant.headers()
        )
        tally.expect(response, 422, None, f"PUT merge ?{query}")


def test_wrong_media_types(
    unlimited_http: Any, owner: tuple[factories.Tenant, str], tally: Tally
) -> None:
    tenant, client_id = owner
    for method, url in body_endpoints(client_id):
        for media_type in MEDIA_TYPES:
            headers = {**tenant.headers(), "Content-Type": media_type}
            response = unlimited_http.request(
                method, url, content=b'{"first_name": "Eve"}', headers=headers
            )
            tally.expect(response, 415, "Unsupported media type", f"{method} {url} {media_type!r}")


def test_unknown_methods_and_paths(
    unlimited_http: Any, owner: tuple[factories.Tenant, str], tally: Tally
) -> None:
    tenant, client_id = owner
    for method, url in [
        ("PATCH", f"{BASE}/{client_id}"),
        ("POST", f"{BASE}/{client_id}"),
        ("DELETE", BASE),
        ("PATCH", BASE),
        ("PUT", BASE),
        ("POST", f"{BASE}/bulk"),
        ("DELETE", f"{BASE}/merges/merge_clients"),
        ("POST", f"{BASE}/merges/possible_merge_master"),
    ]:
        response = unlimited_http.request(method, url, headers=tenant.headers())
        tally.expect(response, 405, "Method not allowed", f"{method} {url}")
        if not response.headers.get("Allow"):
            tally.wrong.append(f"{method} {url}: no Allow header")
    for url in ("/platform/v1/client", "/platform/v2/clients", f"{BASE}/{client_id}/x", "/x"):
        response = unlimited_http.get(url, headers=tenant.headers())
        tally.expect(response, 404, "Not found", f"GET {url}")


def test_a_huge_body_that_never_arrives_still_gets_its_413_in_seconds(
    unlimited_served: Any, owner: tuple[factories.Tenant, str]
) -> None:
    """A client declares a gigabyte and sends a few bytes: the server reads (and drops)
    what comes of a refused body for a few seconds at most, then answers."""
    tenant, _ = owner
    url = httpx.URL(str(unlimited_served.base_url))
    head = (
        f"POST {BASE} HTTP/1.1\r\nHost: {url.host}\r\nAuthorization: Bearer {tenant.staff_token}"
        "\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n"
    ).encode()
    started = time.monotonic()
    with socket.create_connection((url.host, url.port or 80), timeout=30) as sock:
        sock.sendall(head + b'{"first_name": "')
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert time.monotonic() - started < 15
