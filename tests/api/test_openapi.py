"""The OpenAPI document tells the truth: it lists exactly the routes the app serves, and
every response the API gives matches the document's schema for that status."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import jsonschema
import pytest

from clientbook.api import openapi
from clientbook.api.edge import Edge
from clientbook.app import OPENAPI_URL
from clientbook.config import Settings
from tests import factories
from tests.api.support import BASE, create
from tests.factories import Tenant

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
# Served on purpose but not API operations: the document itself and the reference UI.
UNDOCUMENTED = {"/platform/v1/openapi.json", "/docs", "/docs/assets/{path}"}


def _served(app: Edge) -> tuple[set[tuple[str, str]], set[str]]:
    """(method, path) of every documented route, and the paths of the other routes."""
    operations: set[tuple[str, str]] = set()
    others: set[str] = set()
    for route in app.table.routes:
        if route.documented:
            operations.add((route.method.lower(), route.path))
        else:
            others.add(route.path.replace("{path:path}", "{path}"))
    return operations, others


def test_document_lists_exactly_the_routes_served(app: Edge) -> None:
    document = openapi.document(app.table)
    documented = {
        (method, path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in HTTP_METHODS
    }
    served, others = _served(app)

    assert sorted(served - documented) == [], "served but missing from the document"
    assert sorted(documented - served) == [], "documented but not served"
    assert others == UNDOCUMENTED


def test_every_api_operation_is_secured_and_documents_its_errors(app: Edge) -> None:
    document = openapi.document(app.table)
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not path.startswith("/platform/v1/"):
                continue
            assert operation["security"] == [{"bearer": []}], (method, path)
            assert {"401", "403", "429", "500"} <= set(operation["responses"]), (method, path)


# --- responses against the document -------------------------------------------------


def _strict(schema: Any) -> Any:
    """The schema with `additionalProperties: false` on every object that lists its
    properties, so a field the document does not name fails validation."""
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


class Checker:
    """Validates responses against the served document and records what was covered."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.components = _strict(copy.deepcopy(document["components"]))
        self.covered: set[tuple[str, str, int]] = set()

    def check(self, method: str, template: str, response: Any) -> None:
        operation = self.document["paths"][template][method]
        status = response.status_code
        documented = operation["responses"]
        assert str(status) in documented, f"{method} {template} answered undocumented {status}"
        content = documented[str(status)].get("content", {})
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        assert media_type in content, f"{method} {template} {status}: {media_type} undocumented"
        if media_type == "application/json":
            schema = {**_strict(content[media_type]["schema"]), "components": self.components}
            jsonschema.Draft202012Validator(schema).validate(response.json())
        self.covered.add((method, template, status))


@dataclass
class Call:
    method: str
    template: str
    status: int
    path: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    auth: str | None = "staff"  # "staff", "client" or None


def _calls(tenant: Tenant, ids: dict[str, str], client_token: str) -> list[Call]:
    one, two, three = ids["one"], ids["two"], ids["three"]
    email = f"{secrets.token_hex(4)}@example.com"
    item = BASE + "/{client_id}"
    return [
        Call("get", "/health", 200, auth=None),
        Call("get", "/ready", 200, auth=None),
        Call("get", "/metrics", 200, auth=None),
        Call("post", BASE, 201, body={"first_name": "Ada", "email": email, "tags": "a,b"}),
        Call("post", BASE, 409, body={"first_name": "Ada", "email": email}),
        Call("post", BASE, 422, body={"first_name": " "}),
        Call("post", BASE, 422, body={"nickname": "x", "first_name": "A"}),
        Call("post", BASE, 400, body=b"{", headers={"Content-Type": "application/json"}),
        Call("post", BASE, 415, body=b"x", headers={"Content-Type": "text/plain"}),
        Call("get", BASE, 200, query={"per_page": "2"}),
        Call("get", BASE, 422, query={"per_page": "0"}),
        Call("get", item, 200, path={"client_id": one}),
        Call("get", item, 404, path={"client_id": "nobody0000000000"}),
        Call("put", item, 200, path={"client_id": one}, body={"last_name": "L", "zzz": 1}),
        Call("put", item, 422, path={"client_id": one}, body={"email": "not-an-email"}),
        Call("put", item, 409, path={"client_id": two}, body={"email": email.upper()}),
        Call("put", item, 404, path={"client_id": "nobody0000000000"}, body={}),
        Call("put", BASE + "/bulk", 200, body={"clients": [{"id": one, "opt_in": True}]}),
        Call("put", BASE + "/bulk", 422, body={"clients": "no"}),
        Call(
            "get",
            BASE + "/merges/possible_merge_master",
            200,
            query={"client_ids": f"{one},{two}"},
        ),
        Call("get", BASE + "/merges/possible_merge_master", 422, query={"client_ids": one}),
        Call(
            "put",
            BASE + "/merges/merge_clients",
            200,
            query={"to_client_uid": one, "from_client_uids": two},
        ),
        Call(
            "put",
            BASE + "/merges/merge_clients",
            404,
            query={"to_client_uid": one, "from_client_uids": "nobody0000000000"},
        ),
        Call("delete", item, 200, path={"client_id": three}),
        Call("delete", item, 404, path={"client_id": three}),
        Call("get", item, 403, path={"client_id": one}, auth="client"),
    ]


def _send(http: Any, call: Call, tenant: Tenant, client_token: str) -> Any:
    url = call.template.format(**call.path)
    headers = dict(call.headers)
    if call.auth == "staff":
        headers.update(tenant.headers())
    elif call.auth == "client":
        headers.update(factories.bearer(client_token))
    kwargs: dict[str, Any] = {"params": call.query, "headers": headers}
    if isinstance(call.body, bytes):
        kwargs["content"] = call.body
    elif call.body is not None or call.method in ("post", "put"):
        kwargs["json"] = call.body if call.body is not None else {}
    request: Callable[..., Any] = getattr(http, call.method)
    if call.method in ("get", "delete"):
        kwargs.pop("json", None)
        kwargs.pop("content", None)
    return request(url, **kwargs)


def test_responses_match_the_document(
    http: Any, tenant: Tenant, settings: Settings, app: Edge
) -> None:
    document = http.get(OPENAPI_URL).json()
    assert document == openapi.document(app.table)  # the server serves the document under test
    checker = Checker(document)
    made = {name: create(http, tenant, first_name=name) for name in ("one", "two", "three")}
    ids = {name: client["id"] for name, client in made.items()}
    created = http.post(BASE, json={"first_name": "Portal"}, headers=tenant.headers())
    client_token = created.json()["data"]["token"]

    for call in _calls(tenant, ids, client_token):
        response = _send(http, call, tenant, client_token)
        assert response.status_code == call.status, (call, response.text)
        checker.check(call.method, call.template, response)

    # Every secured operation refuses a missing token with its documented 401.
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            if "security" not in operation:
                continue
            url = template.replace("{client_id}", ids["one"])
            response = getattr(http, method)(url)
            assert response.status_code == 401, (method, template)
            checker.check(method, template, response)

    operations = {(m, p) for p, ops in document["paths"].items() for m in ops}
    answered_2xx = {(m, p) for m, p, status in checker.covered if 200 <= status < 300}
    assert sorted(operations - answered_2xx) == [], "operations never exercised successfully"


@pytest.mark.parametrize("bad", [{"status": "OK"}, {"status": "OK", "data": {}}])
def test_the_checker_catches_a_wrong_body(app: Edge, bad: dict[str, Any]) -> None:
    class Fake:
        status_code = 200
        headers: ClassVar[dict[str, str]] = {"content-type": "application/json"}

        def json(self) -> Any:
            return bad

    with pytest.raises(jsonschema.ValidationError):
        Checker(openapi.document(app.table)).check("get", BASE + "/{client_id}", Fake())
