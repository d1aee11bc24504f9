"""Edge values on every parameter, served: no 5xx, and every answer in the contract's envelope.

The operations and their inputs come from the document the server serves
(`/platform/v1/openapi.json`): every query, path and header parameter of every operation,
and every property of every request body schema (with the properties of objects inside
its arrays, as a bulk item's `id` and `opt_in`), so a new parameter or field is covered
without touching this file. Each input is given, one at a time, a fixed list of edge values
(the empty string, white space, NUL, lone surrogates, 100 000 characters, huge and negative
numbers, JSON literals, the datetime range's ends with offsets, impossible dates,
percent-encoded garbage, ...), the other inputs keeping a valid baseline; a string query
parameter is also tried beside each value of each enum parameter (`search_by=updated_at`
with an edge `search_term`). Requests go through `http.client`, whose targets are sent
byte for byte (no dot-segment removal, no re-encoding), to a `clientbook serve` on
127.0.0.1.

Oracle per answer: status below 500, `X-Request-Id`, a JSON body, and the envelope of
contract section 3: `{"status": "OK", ...}` below 400, else exactly `status: "Error"`,
`error` and `error_code` strings and an optional `errors` object of lists of strings.
A body naming a key twice, at any depth, is 400 `Malformed JSON` on every route with a body.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa

from clientbook.config import Settings
from tests import factories
from tests.api.support import BASE
from tests.safety.conftest import report

DOCUMENT = "/platform/v1/openapi.json"
MAX_REQUESTS = 6000  # per backend, all tests of this file together
MAX_SECONDS = 300.0  # per backend

# Every edge value as text; a query, path or header sends it percent-encoded or raw (UTF-8
# with lone surrogates as their three bytes), a JSON body as a JSON string.
STRINGS: list[str] = [
    "",
    " ",
    " \t\r\n ",
    "\u0000",
    "a\u0000b",
    "\ud800",
    "\udfff",
    "x\ud800y",
    "x" * 100_000,
    "1e400",
    "-1e400",
    "123456789012345678901234567890",
    "-1",
    "0",
    "1.5",
    "NaN",
    "true",
    "false",
    "null",
    "[]",
    "{}",
    "0001-01-01T00:00+01:00",
    "9999-12-31T23:59-01:00",
    "9999-12-31T23:59:59-00:01",
    "9999-12-31T23:59:59.999999+14:00",
    "9999-12-31",
    "0001-01-01",
    "0000-00-00",
    "2026-02-30",
    "2026-01-31T24:00:00Z",
    "%zz",
    "é",
    "\u202e",
    "\U0001f600",
    "\ufeff",
    "'\";--",
    ",",
    "a,,b,",
]
# Percent-encoded garbage, sent as is in a query or a path.
RAW_ESCAPES: list[str] = [
    "%",
    "%zz",
    "%00",
    "%ff%fe",
    "%ED%A0%80",
    "%C0%80",
    "%E2%82",
    "+",
    "%2B%2",
    "%%",
    "&",
    "=",
    "a%00b",
    "%u0041",
]
RAW_PATH_SEGMENTS: list[str] = [".", "..", "%2e%2e", "%2F", "a%2Fb", ";", "a;b=c"]
# JSON values that are no string, sent as raw text.
RAW_JSON: list[str] = [
    "1e400",
    "-1e400",
    "1e-400",
    "123456789012345678901234567890",
    "-123456789012345678901234567890",
    "-1",
    "0",
    "-0",
    "1.5",
    "true",
    "false",
    "null",
    "[]",
    "{}",
    "[null]",
    '{"": ""}',
    '"\\ud800\\udc00"',
    '"\\udc00\\ud800"',
]
# The HTTP server (granian, on hyper) answers a request target of 65 534 bytes or more
# itself: 414, an empty body, no X-Request-Id; the app never sees it. A query or path value
# is at most URL_LONG characters so that every target reaches the app;
# test_a_request_target_past_the_servers_limit sends the longer ones.
URL_LIMIT = 65_534
URL_LONG = 60_000
BASELINE_QUERY = {"client_ids": "{a},{b}", "to_client_uid": "{a}", "from_client_uids": "{b}"}


def utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def query_values() -> list[str]:
    """Every string percent-encoded (the longest cut to fit in a request target: see
    URL_LIMIT), then the raw escapes."""
    return [quote(utf8(text[:URL_LONG]), safe="") for text in STRINGS] + RAW_ESCAPES


def json_values() -> list[str]:
    """JSON texts: every string as a JSON string (lone surrogates as `\\ud800` escapes),
    then the other JSON values."""
    strings = [
        json.dumps(text, ensure_ascii=False).encode("utf-8", "backslashreplace").decode()
        for text in STRINGS
    ]
    return strings + RAW_JSON


def header_values() -> list[str]:
    """The strings a header may carry (no control characters), as latin-1 text whose
    bytes are the value's UTF-8."""
    values = []
    for text in STRINGS:
        raw = utf8(text)
        if any((byte < 0x20 and byte != 0x09) or byte == 0x7F for byte in raw):
            continue
        values.append(raw.decode("latin-1"))
    return values


# Raw JSON bodies --------------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """JSON text put in a body as it is."""

    text: str


@dataclass(frozen=True)
class Members:
    """A JSON object as a list of members, so that a key may be named twice."""

    pairs: list[tuple[str, Any]]


def render(value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Members):
        return "{" + ",".join(f"{json.dumps(k)}:{render(v)}" for k, v in value.pairs) + "}"
    if isinstance(value, dict):
        return render(Members(list(value.items())))
    if isinstance(value, list):
        return "[" + ",".join(render(item) for item in value) + "]"
    return json.dumps(value)


def replaced(body: Any, path: tuple[str | int, ...], value: Any) -> Any:
    """`body` with the member at `path` set to `value` (containers made as needed)."""
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(body) if isinstance(body, list) else []
        while len(items) <= head:
            items.append({})
        items[head] = value if not rest else replaced(items[head], rest, value)
        return items
    members = dict(body) if isinstance(body, dict) else {}
    members[head] = value if not rest else replaced(members.get(head), rest, value)
    return members


def duplicated(body: Any, path: tuple[str | int, ...]) -> Any:
    """`body` with the key at the end of `path` named twice: first `"a"`, then its value."""
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(body) if isinstance(body, list) else []
        while len(items) <= head:
            items.append({})
        items[head] = duplicated(items[head], rest)
        return items
    members = dict(body) if isinstance(body, dict) else {}
    if rest:
        members[head] = duplicated(members.get(head), rest)
        return members
    pairs = [(head, "a"), (head, members.pop(head, "b")), *members.items()]
    return Members(pairs)


# The document -------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    parameters: list[dict[str, Any]]
    body_schema: str | None  # the request body schema's name

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def params(self, where: str) -> list[dict[str, Any]]:
        return [p for p in self.parameters if p["in"] == where]


def operations(document: dict[str, Any]) -> list[Operation]:
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "put", "post", "delete", "patch"}:
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            ref = body["schema"].get("$ref", "") if body else None
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    parameters=[*item.get("parameters", []), *operation.get("parameters", [])],
                    body_schema=ref.rsplit("/", 1)[-1] if ref is not None else None,
                )
            )
    return found


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def field_paths(
    document: dict[str, Any], schema: dict[str, Any], prefix: tuple[str | int, ...] = ()
) -> list[tuple[str | int, ...]]:
    """Every property of an object schema, with those of the objects inside its arrays."""
    paths: list[tuple[str | int, ...]] = []
    for name, prop in resolve(document, schema).get("properties", {}).items():
        paths.append((*prefix, name))
        items = resolve(document, prop).get("items")
        if items is not None and "properties" in resolve(document, items):
            paths += field_paths(document, items, (*prefix, name, 0))
    return paths


def enum_values(parameter: dict[str, Any]) -> list[str]:
    return [str(value) for value in parameter.get("schema", {}).get("enum", [])]


def is_plain_string(parameter: dict[str, Any]) -> bool:
    schema = parameter.get("schema", {})
    return schema.get("type") == "string" and "enum" not in schema


# Sending and judging ----------------------------------------------------------------


class CapReached(Exception):
    pass


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


@dataclass
class Wire:
    """Byte-exact HTTP/1.1 requests over one kept-alive connection, bounded in count and
    time; `failures` collects every answer the oracle refuses."""

    host: str
    port: int
    requests: int = 0
    started: float = field(default_factory=time.monotonic)
    failures: list[str] = field(default_factory=list)
    connection: http.client.HTTPConnection | None = None

    def send(
        self, method: str, target: str, headers: dict[str, str], body: bytes | None = None
    ) -> Answer | None:
        if self.requests >= MAX_REQUESTS or time.monotonic() - self.started > MAX_SECONDS:
            raise CapReached(f"{self.requests} requests in {time.monotonic() - self.started:.0f} s")
        self.requests += 1
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.connection.request(method, target, body=body, headers=headers)
                response = self.connection.getresponse()
                answer = Answer(response.status, response.headers, response.read())
                if response.will_close:
                    self.close()
                return answer
            except (http.client.HTTPException, OSError) as error:
                self.close()
                if attempt == 2:
                    self.failures.append(
                        f"{describe(method, target, body)} -> no answer: {error!r}"
                    )
        return None

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection = None

    def judge(
        self, method: str, target: str, headers: dict[str, str], body: bytes | None = None
    ) -> Answer | None:
        """Send, and record the answer if it breaks the oracle."""
        answer = self.send(method, target, headers, body)
        if answer is not None:
            problem = envelope_problem(answer)
            if problem is not None:
                self.failures.append(
                    f"{describe(method, target, body)} -> {answer.status} "
                    f"{answer.body[:300]!r}: {problem}"
                )
        return answer


def describe(method: str, target: str, body: bytes | None) -> str:
    shown = target if len(target) <= 200 else f"{target[:200]}...({len(target)} bytes)"
    if body is None:
        return f"{method} {shown}"
    text = body if len(body) <= 200 else body[:200] + f"...({len(body)} bytes)".encode()
    return f"{method} {shown} body={text!r}"


def envelope_problem(answer: Answer) -> str | None:
    if answer.status >= 500:
        return "a 5xx"
    if not answer.headers.get("X-Request-Id"):
        return "no X-Request-Id"
    if not (answer.headers.get("Content-Type") or "").startswith("application/json"):
        return f"Content-Type {answer.headers.get('Content-Type')!r}"
    try:
        body = json.loads(answer.body)
    except ValueError:
        return "not JSON"
    if not isinstance(body, dict):
        return "not a JSON object"
    if answer.status < 400:
        return None if body.get("status") == "OK" else "a success without status OK"
    if body.get("status") != "Error":
        return "an error without status Error"
    if (
        not {"status", "error", "error_code"}
        <= body.keys()
        <= {
            "status",
            "error",
            "error_code",
            "errors",
        }
    ):
        return f"error members {sorted(body)}"
    if not (isinstance(body["error"], str) and body["error"]):
        return "error is not a non-empty string"
    if not (isinstance(body["error_code"], str) and body["error_code"]):
        return "error_code is not a non-empty string"
    errors = body.get("errors", {})
    if not (
        isinstance(errors, dict)
        and all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in errors.values())
    ):
        return "errors is not an object of lists of strings"
    return None


# Fixtures ---------------------------------------------------------------------------


@dataclass
class Edge:
    wire: Wire
    document: dict[str, Any]
    tenant: factories.Tenant
    ids: dict[str, str]  # two live clients of the tenant, "a" and "b"
    http: Any

    @property
    def headers(self) -> dict[str, str]:
        return {**self.tenant.headers(), "Content-Type": "application/json"}

    def refresh(self) -> None:
        """New live clients, after an answer that may have deleted or merged them."""
        for name in ("a", "b"):
            response = self.http.post(
                BASE, json={"first_name": f"Seed {name}"}, headers=self.tenant.headers()
            )
            assert response.status_code == 201, response.text
            self.ids[name] = response.json()["data"]["client"]["id"]

    def after(self, operation: Operation, answer: Answer | None) -> None:
        destructive = operation.method == "DELETE" or (
            operation.method != "GET" and operation.body_schema is None
        )
        if answer is not None and answer.status < 300 and destructive:
            self.refresh()

    def baseline_query(self, operation: Operation) -> dict[str, str]:
        """A valid value of every required query parameter."""
        query = {}
        for parameter in operation.params("query"):
            if parameter.get("required"):
                default = BASELINE_QUERY.get(parameter["name"], "x")
                query[parameter["name"]] = quote(default.format(**self.ids), safe=",")
        return query

    def target(
        self, operation: Operation, query: dict[str, str], path_value: str | None = None
    ) -> str:
        path = operation.path
        for parameter in operation.params("path"):
            value = self.ids["a"] if path_value is None else path_value
            path = path.replace("{" + parameter["name"] + "}", value)
        if not query:
            return path
        return path + "?" + "&".join(f"{quote(k, safe='')}={v}" for k, v in query.items())

    def baseline_body(self, operation: Operation) -> Any:
        if operation.body_schema == "ClientCreate":
            return {"first_name": "Edge"}
        if operation.body_schema == "ClientUpdate":
            return {}
        if operation.body_schema == "BulkUpdate":
            return {"clients": [{"id": self.ids["a"], "opt_in": True}]}
        body = operation_body(self.document, operation)
        return body.get("example", {}) if body else {}

    def body_fields(self, operation: Operation) -> list[tuple[str | int, ...]]:
        body = operation_body(self.document, operation)
        return field_paths(self.document, body["schema"]) if body else []


def operation_body(document: dict[str, Any], operation: Operation) -> dict[str, Any] | None:
    content = (
        document["paths"][operation.path][operation.method.lower()]
        .get("requestBody", {})
        .get("content", {})
    )
    body: dict[str, Any] | None = content.get("application/json")
    return body


@pytest.fixture(scope="module")
def edge(
    unlimited_served: Any, engine: sa.Engine, unlimited_settings: Settings, backend: str
) -> Iterator[Edge]:
    url = urlsplit(str(unlimited_served.base_url))
    assert url.hostname == "127.0.0.1"
    response = unlimited_served.get(DOCUMENT)
    assert response.status_code == 200, response.text
    made = Edge(
        wire=Wire(url.hostname, url.port or 80),
        document=response.json(),
        tenant=factories.tenant(engine, unlimited_settings),
        ids={},
        http=unlimited_served,
    )
    made.refresh()
    yield made
    made.wire.close()
    seconds = time.monotonic() - made.wire.started
    report("edge values", backend, attempts=made.wire.requests, seconds=round(seconds, 1))
    print(f"\nedge values, {backend}: {made.wire.requests} requests in {seconds:.1f} s")


@pytest.fixture
def wire(edge: Edge, request: pytest.FixtureRequest, backend: str) -> Iterator[Wire]:
    """The edge's wire with the failures of this test only; they fail it at the end."""
    edge.wire.failures = []
    before = edge.wire.requests
    yield edge.wire  # a test past the cap fails with CapReached
    sent = edge.wire.requests - before
    failures = edge.wire.failures
    report(f"edge values: {request.node.originalname}", backend, attempts=sent,
           failures=len(failures))  # fmt: skip
    assert sent > 0, "nothing was sent"
    assert failures == [], f"{len(failures)} of {sent} requests failed:\n" + "\n".join(
        failures[:60]
    )


def api_operations(edge: Edge) -> list[Operation]:
    found = [op for op in operations(edge.document) if op.path.startswith("/platform/")]
    assert found, "the document names no API operation"
    return found


# Tests ------------------------------------------------------------------------------


def test_every_query_parameter_takes_edge_values(edge: Edge, wire: Wire) -> None:
    values = query_values()
    for operation in api_operations(edge):
        params = operation.params("query")
        enums = [(p["name"], v) for p in params for v in enum_values(p)]
        for parameter in params:
            name = parameter["name"]
            companions: list[dict[str, str]] = [{}]
            if is_plain_string(parameter):
                companions += [{other: value} for other, value in enums if other != name]
            for companion in companions:
                for value in values:
                    query = {**edge.baseline_query(operation), **companion, name: value}
                    target = edge.target(operation, query)
                    answer = wire.judge(operation.method, target, edge.headers, None)
                    edge.after(operation, answer)
            # The parameter named twice, and with an edge name beside it.
            for query in ({name: "1"}, {name + "[]": "1"}, {name + "%00": "1"}):
                target = edge.target(operation, {**edge.baseline_query(operation), **query})
                twice = f"{target}&{quote(name, safe='')}=2"
                answer = wire.judge(operation.method, twice, edge.headers, None)
                edge.after(operation, answer)


def test_every_path_parameter_takes_edge_values(edge: Edge, wire: Wire) -> None:
    values = query_values() + RAW_PATH_SEGMENTS
    for operation in api_operations(edge):
        if not operation.params("path"):
            continue
        body = render(edge.baseline_body(operation)).encode() if operation.body_schema else None
        for value in values:
            target = edge.target(operation, edge.baseline_query(operation), value)
            answer = wire.judge(operation.method, target, edge.headers, body)
            edge.after(operation, answer)


def test_every_body_field_takes_edge_values(edge: Edge, wire: Wire) -> None:
    values = json_values()
    sent = 0
    for operation in api_operations(edge):
        if operation.body_schema is None:
            continue
        for path in edge.body_fields(operation):
            for value in values:
                body = render(replaced(edge.baseline_body(operation), path, Raw(value)))
                target = edge.target(operation, edge.baseline_query(operation))
                answer = wire.judge(operation.method, target, edge.headers, utf8(body))
                edge.after(operation, answer)
                sent += 1
    assert sent > 0, "the document has no request body"


def test_every_header_parameter_takes_edge_values(edge: Edge, wire: Wire) -> None:
    for operation in api_operations(edge):
        body = render(edge.baseline_body(operation)).encode() if operation.body_schema else None
        for parameter in operation.params("header"):
            for value in header_values():
                headers = {**edge.headers, parameter["name"]: value}
                target = edge.target(operation, edge.baseline_query(operation))
                answer = wire.judge(operation.method, target, headers, body)
                edge.after(operation, answer)


def test_a_key_named_twice_is_malformed_json_on_every_route_with_a_body(
    edge: Edge, wire: Wire
) -> None:
    """orjson keeps a repeated key's last value, another parser the first: such a body
    means two things, and is refused (400 Malformed JSON) wherever it is."""
    for operation in api_operations(edge):
        if operation.body_schema is None:
            continue
        for path in edge.body_fields(operation):
            body = render(duplicated(edge.baseline_body(operation), path))
            target = edge.target(operation, edge.baseline_query(operation))
            answer = wire.judge(operation.method, target, edge.headers, utf8(body))
            edge.after(operation, answer)
            if answer is None:
                continue
            refused = json.loads(answer.body) if answer.status == 400 else {}
            if (refused.get("error"), refused.get("error_code")) != (
                "Malformed JSON",
                "malformed_json",
            ):
                wire.failures.append(
                    f"{describe(operation.method, target, utf8(body))} -> {answer.status} "
                    f"{answer.body[:300]!r}: not 400 Malformed JSON"
                )


def test_a_request_target_past_the_servers_limit_gets_the_servers_414(
    edge: Edge, wire: Wire
) -> None:
    """100 000 characters in a query value, and in a path parameter: the HTTP server
    refuses the request line itself, 414 with no body, before the app runs (a 4xx, never a
    5xx; docs/decisions.md): nothing is read or written."""
    long = "x" * 100_000
    for operation in api_operations(edge):
        body = render(edge.baseline_body(operation)).encode() if operation.body_schema else None
        targets = [
            edge.target(operation, {**edge.baseline_query(operation), parameter["name"]: long})
            for parameter in operation.params("query")
        ]
        if operation.params("path"):
            targets.append(edge.target(operation, edge.baseline_query(operation), long))
        for target in targets:
            assert len(target) >= URL_LIMIT
            answer = wire.send(operation.method, target, edge.headers, body)
            assert answer is not None, describe(operation.method, target, body)
            assert answer.status == 414, describe(operation.method, target, body)
            assert answer.body == b""
