"""The envelope, errors, headers and order of checks of contract section 3."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from clientbook import service
from clientbook.app import create_app
from clientbook.config import Settings
from tests.api.support import BASE, create, error_of
from tests.factories import Tenant

ONE_MIB = 1024 * 1024


def raw_put(
    http: Any, path: str, content: bytes, headers: dict[str, str], content_type: str | None
) -> Any:
    if content_type is not None:
        headers = {**headers, "Content-Type": content_type}
    return http.put(path, content=content, headers=headers)


def test_success_is_wrapped_in_the_ok_envelope(http: Any, tenant: Tenant) -> None:
    client = create(http, tenant)
    body = http.get(f"{BASE}/{client['id']}", headers=tenant.headers()).json()
    assert list(body) == ["status", "data"]
    assert body["status"] == "OK"


def test_malformed_json_is_400(http: Any, tenant: Tenant) -> None:
    response = raw_put(
        http, f"{BASE}/{'0' * 16}", b'{"first_name": ', tenant.headers(), "application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "status": "Error",
        "error": "Malformed JSON",
        "error_code": "malformed_json",
    }


@pytest.mark.parametrize(
    "body", [b'{"first_name": "\xff"}', b'{"first_name": NaN}', b"{'first_name': 'A'}", b"\x00"]
)
def test_body_that_is_not_valid_json_text_is_malformed(
    http: Any, tenant: Tenant, body: bytes
) -> None:
    headers = {**tenant.headers(), "Content-Type": "application/json"}
    assert error_of(http.post(BASE, content=body, headers=headers)) == (400, "Malformed JSON")


def test_empty_json_body_is_malformed(http: Any, tenant: Tenant) -> None:
    response = http.post(
        BASE, content=b"", headers={**tenant.headers(), "Content-Type": "application/json"}
    )
    assert error_of(response) == (400, "Malformed JSON")


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"1", b"null", b'[{"first_name": "Ada"}]'])
def test_json_body_that_is_not_an_object_is_422(http: Any, tenant: Tenant, body: bytes) -> None:
    response = http.post(
        BASE, content=body, headers={**tenant.headers(), "Content-Type": "application/json"}
    )
    assert error_of(response) == (422, "Validation failed: Body must be a JSON object")
    assert response.json()["errors"] == {"body": ["must be a JSON object"]}


def test_unknown_path_is_404_not_found(http: Any) -> None:
    response = http.get("/platform/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"status": "Error", "error": "Not found", "error_code": "not_found"}


def test_method_not_allowed_is_405_with_allow(http: Any, tenant: Tenant) -> None:
    response = http.patch(f"{BASE}/{'0' * 16}", json={}, headers=tenant.headers())
    assert error_of(response) == (405, "Method not allowed")
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert {"GET", "PUT"} <= allowed
    assert "PATCH" not in allowed


def test_head_answers_as_get_without_a_body(http: Any, tenant: Tenant) -> None:
    client_id = create(http, tenant)["id"]
    got = http.get(f"{BASE}/{client_id}", headers=tenant.headers())
    head = http.head(f"{BASE}/{client_id}", headers=tenant.headers())
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == got.headers["content-length"]
    assert head.headers["x-request-id"]


def test_body_over_the_default_limit_is_413(http: Any, tenant: Tenant) -> None:
    body = b'{"first_name": "' + b"a" * ONE_MIB + b'"}'
    response = http.post(
        BASE, content=body, headers={**tenant.headers(), "Content-Type": "application/json"}
    )
    assert error_of(response) == (413, "Request entity too large")
    assert response.json()["error_code"] == "request_entity_too_large"
    assert response.headers["X-Request-Id"]


def test_body_at_the_limit_is_not_413(http: Any, tenant: Tenant) -> None:
    padding = ONE_MIB - len(b'{"first_name": "Ada", "x": ""}')
    body = b'{"first_name": "Ada", "x": "' + b" " * padding + b'"}'
    assert len(body) == ONE_MIB
    response = http.post(
        BASE, content=body, headers={**tenant.headers(), "Content-Type": "application/json"}
    )
    assert error_of(response) == (422, "unknown attribute 'x' for Client")


@pytest.fixture(scope="module")
def small_limit_client(settings: Settings, engine: sa.Engine) -> Iterator[TestClient]:
    small = settings.model_copy(update={"max_body_bytes": 64})
    with TestClient(create_app(small), raise_server_exceptions=False) as client:
        yield client


def test_max_body_bytes_setting_is_the_limit(
    small_limit_client: TestClient, tenant: Tenant
) -> None:
    headers = {**tenant.headers(), "Content-Type": "application/json"}
    fits = b'{"first_name": "Ada"}'.ljust(64)
    assert small_limit_client.post(BASE, content=fits, headers=headers).status_code == 201
    response = small_limit_client.post(BASE, content=fits + b" ", headers=headers)
    assert error_of(response) == (413, "Request entity too large")


def test_chunked_body_over_the_limit_is_413(small_limit_client: TestClient, tenant: Tenant) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"first_name": "'
        yield b"a" * 100
        yield b'"}'

    headers = {**tenant.headers(), "Content-Type": "application/json"}
    response = small_limit_client.post(BASE, content=chunks(), headers=headers)
    assert error_of(response) == (413, "Request entity too large")


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/jsonp"]
)
def test_body_that_is_not_application_json_is_415(
    http: Any, tenant: Tenant, content_type: str | None
) -> None:
    client = create(http, tenant)
    response = raw_put(
        http, f"{BASE}/{client['id']}", b'{"last_name": "X"}', tenant.headers(), content_type
    )
    assert error_of(response) == (415, "Unsupported media type")
    assert response.json()["error_code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8"],
)
def test_application_json_with_parameters_is_accepted(
    http: Any, tenant: Tenant, content_type: str
) -> None:
    client = create(http, tenant)
    response = raw_put(
        http, f"{BASE}/{client['id']}", b'{"last_name": "X"}', tenant.headers(), content_type
    )
    assert response.status_code == 200


@pytest.fixture
def faulty_client(app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    def explode(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("SELECT secret FROM /srv/clientbook/db.py line 42")

    monkeypatch.setattr(service, "get_client", explode)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_unexpected_fault_is_500_envelope_without_a_trace(
    faulty_client: TestClient, tenant: Tenant
) -> None:
    response = faulty_client.get(
        f"{BASE}/{'0' * 16}", headers={**tenant.headers(), "X-Request-Id": "fault-1"}
    )
    assert response.status_code == 500
    assert response.json() == {
        "status": "Error",
        "error": "Internal server error",
        "error_code": "internal_error",
    }
    assert "SELECT" not in response.text
    assert response.headers["X-Request-Id"] == "fault-1"
    assert response.headers["Content-Type"].startswith("application/json")


# X-Request-Id


@pytest.mark.parametrize("request_id", ["abc", "A-b_c.d:e", "x" * 128])
def test_valid_request_id_is_echoed(http: Any, tenant: Tenant, request_id: str) -> None:
    response = http.get(
        f"{BASE}/{'0' * 16}", headers={**tenant.headers(), "X-Request-Id": request_id}
    )
    assert response.status_code == 404
    assert response.headers["X-Request-Id"] == request_id


@pytest.mark.parametrize("request_id", ["", "has space", "x" * 129, "semi;colon", "slash/"])
def test_invalid_request_id_is_replaced(http: Any, request_id: str) -> None:
    response = http.get("/health", headers={"X-Request-Id": request_id})
    new = response.headers["X-Request-Id"]
    assert new != request_id
    assert 1 <= len(new) <= 128


def test_every_response_gets_a_fresh_request_id(http: Any, tenant: Tenant) -> None:
    responses = [
        http.get("/health"),
        http.get("/platform/v1/nothing"),
        http.get(f"{BASE}/{'0' * 16}"),
        http.get(f"{BASE}/{'0' * 16}", headers=tenant.headers()),
        http.post(BASE, json={}, headers=tenant.headers()),
        http.patch(BASE + "/x"),
    ]
    ids = [response.headers["X-Request-Id"] for response in responses]
    assert len(set(ids)) == len(ids)
    assert all(ids)


def test_health_needs_no_token(http: Any) -> None:
    assert http.get("/health").status_code == 200


# order of checks


def test_unknown_path_beats_everything(http: Any) -> None:
    response = http.post(
        "/platform/v1/nope", content=b"x" * (ONE_MIB + 1), headers={"Content-Type": "text/plain"}
    )
    assert error_of(response) == (404, "Not found")


def test_405_beats_401(http: Any) -> None:
    assert error_of(http.delete(BASE))[0] == 405


def test_405_beats_413(http: Any) -> None:
    response = http.patch(
        f"{BASE}/{'0' * 16}",
        content=b"x" * (ONE_MIB + 1),
        headers={"Content-Type": "application/json"},
    )
    assert error_of(response)[0] == 405


def test_413_beats_401(http: Any) -> None:
    response = http.post(BASE, content=b"x" * (ONE_MIB + 1), headers={"Content-Type": "text/plain"})
    assert error_of(response) == (413, "Request entity too large")


def test_401_beats_415(http: Any) -> None:
    response = http.post(BASE, content=b"{", headers={"Content-Type": "text/plain"})
    assert error_of(response) == (401, "Unauthorized")


def test_403_beats_415(http: Any, tenant: Tenant) -> None:
    token = http.post(BASE, json={"first_name": "A"}, headers=tenant.headers()).json()["data"][
        "token"
    ]
    response = http.post(
        BASE,
        content=b"{",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/plain"},
    )
    assert error_of(response) == (403, "Forbidden")


def test_415_beats_400(http: Any, tenant: Tenant) -> None:
    response = http.post(
        BASE, content=b"{", headers={**tenant.headers(), "Content-Type": "text/plain"}
    )
    assert error_of(response) == (415, "Unsupported media type")


def test_400_beats_422_and_404(http: Any, tenant: Tenant) -> None:
    response = raw_put(
        http, f"{BASE}/{'0' * 16}", b'{"email": "bad"', tenant.headers(), "application/json"
    )
    assert error_of(response) == (400, "Malformed JSON")


def test_422_beats_404(http: Any, tenant: Tenant) -> None:
    response = http.put(f"{BASE}/{'0' * 16}", json={"status": "nope"}, headers=tenant.headers())
    assert error_of(response) == (422, "Validation failed: Status is not included in the list")


def test_non_object_422_beats_404(http: Any, tenant: Tenant) -> None:
    response = http.put(f"{BASE}/{'0' * 16}", json=[1], headers=tenant.headers())
    assert error_of(response) == (422, "Validation failed: Body must be a JSON object")


def test_404_beats_409(http: Any, tenant: Tenant) -> None:
    create(http, tenant, email="order@example.com")
    response = http.put(
        f"{BASE}/{'0' * 16}", json={"email": "order@example.com"}, headers=tenant.headers()
    )
    assert error_of(response) == (404, "Entity not found")


def test_409_when_everything_else_passes(http: Any, tenant: Tenant) -> None:
    create(http, tenant, email="order2@example.com")
    client = create(http, tenant)
    response = http.put(
        f"{BASE}/{client['id']}", json={"email": "order2@example.com"}, headers=tenant.headers()
    )
    assert error_of(response)[0] == 409
