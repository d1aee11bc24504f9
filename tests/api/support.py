"""Small helpers for HTTP tests."""

from __future__ import annotations

from typing import Any

from tests.factories import Tenant

BASE = "/platform/v1/clients"


def create(http: Any, tenant: Tenant, **fields: Any) -> dict[str, Any]:
    """POST a client (first_name defaults to Ada); return its create representation."""
    body = {"first_name": "Ada", **fields}
    response = http.post(BASE, json=body, headers=tenant.headers())
    assert response.status_code == 201, response.text
    client: dict[str, Any] = response.json()["data"]["client"]
    return client


def put(http: Any, tenant: Tenant, client_id: str, body: Any, kind: str = "staff") -> Any:
    return http.put(f"{BASE}/{client_id}", json=body, headers=tenant.headers(kind))


def get(http: Any, tenant: Tenant, client_id: str) -> dict[str, Any]:
    response = http.get(f"{BASE}/{client_id}", headers=tenant.headers())
    assert response.status_code == 200, response.text
    client: dict[str, Any] = response.json()["data"]["client"]
    return client


def error_of(response: Any) -> tuple[int, str]:
    body = response.json()
    assert body["status"] == "Error"
    return response.status_code, body["error"]
