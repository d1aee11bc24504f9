"""Mass assignment: no request sets id, business_uid, created_at, updated_at, a foreign
staff_id or any internal column (deleted_at, normalized_phone, phone_digits, ...)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from clientbook.config import Settings
from clientbook.store import tables
from tests import factories
from tests.safety.world import BASE

# Every column, the contract's read names, and a few likely internals.
FORBIDDEN: dict[str, Any] = {
    **{c.name: "forged" for c in tables.clients.c},
    "customer_status": "customer",
    "matters": [{"uid": "m", "display_name": "x", "fields": []}],
    "matter_term": "x",
    "source_data": {"name": "x"},
    "channel": "x",
    "campaign": "x",
    "token": "x",
    "_id": "x",
    "__proto__": {"admin": True},
}
# Columns that PUT accepts as fields of the contract (validated, not internal).
PUT_FIELDS = {
    "first_name", "last_name", "email", "mobile_phone", "address", "tags", "opt_in", "spam",
    "source", "source_url", "custom_field1", "custom_field2", "custom_field3", "staff_id",
    "status", "opt_in_transactional_sms",
}  # fmt: skip
INTERNAL = sorted(set(FORBIDDEN) - PUT_FIELDS)
VALUES: list[Any] = ["forged", "2001-01-01T00:00:00Z", None, 1, True, {"a": 1}]


def _row(engine: sa.Engine, client_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(sa.select(tables.clients).where(tables.clients.c.id == client_id)).one()
    return dict(row._mapping)


def _count(engine: sa.Engine, business_uid: str) -> int:
    query = sa.select(sa.func.count()).where(tables.clients.c.business_uid == business_uid)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


@pytest.fixture
def owner(unlimited_asgi: Any, engine: sa.Engine, unlimited_settings: Settings) -> Any:
    tenant = factories.tenant(engine, unlimited_settings)
    body = {"first_name": "Ada", "phone": "+1 415 555 0100", "email": "ada@example.com"}
    created = unlimited_asgi.post(BASE, json=body, headers=tenant.headers())
    return tenant, created.json()["data"]["client"]["id"]


@pytest.mark.parametrize("field", INTERNAL)
def test_create_refuses_every_internal_field(
    unlimited_asgi: Any, owner: Any, engine: sa.Engine, field: str
) -> None:
    tenant, _ = owner
    before = _count(engine, tenant.business_uid)
    for value in VALUES:
        response = unlimited_asgi.post(
            BASE, json={"first_name": "Eve", field: value}, headers=tenant.headers()
        )
        assert response.status_code == 422, response.text
        assert response.json()["error"] == f"unknown attribute '{field}' for Client"
    assert _count(engine, tenant.business_uid) == before


def test_update_ignores_every_internal_field(
    unlimited_http: Any, owner: Any, engine: sa.Engine
) -> None:
    tenant, client_id = owner
    before = _row(engine, client_id)
    for value in VALUES:
        body = dict.fromkeys(INTERNAL, value)
        response = unlimited_http.put(f"{BASE}/{client_id}", json=body, headers=tenant.headers())
        assert response.status_code == 200, response.text
        assert response.json()["data"]["client"]["id"] == client_id
        ignored = set(response.headers["X-Ignored-Fields"].split(","))
        assert ignored == set(INTERNAL) - {"status"}
    assert _row(engine, client_id) == before


def test_foreign_or_removed_staff_cannot_be_assigned(
    unlimited_http: Any, owner: Any, engine: sa.Engine, unlimited_settings: Settings
) -> None:
    tenant, client_id = owner
    other = factories.tenant(
        engine, unlimited_settings, directory=(tenant.directory_uid, tenant.directory_token)
    )
    before = _row(engine, client_id)
    count = _count(engine, tenant.business_uid)
    for staff_id in (other.staff_uid, other.app_uid, tenant.app_uid, tenant.business_uid):
        for kind in ("staff", "app", "directory"):
            put = unlimited_http.put(
                f"{BASE}/{client_id}", json={"staff_id": staff_id}, headers=tenant.headers(kind)
            )
            post = unlimited_http.post(
                BASE, json={"first_name": "Eve", "staff_id": staff_id}, headers=tenant.headers(kind)
            )
            for response in (put, post):
                assert response.status_code == 422, response.text
                assert response.json()["errors"] == {"staff_id": ["is invalid"]}
    assert _row(engine, client_id) == before
    assert _count(engine, tenant.business_uid) == count


def test_bulk_items_take_opt_in_only(unlimited_http: Any, owner: Any, engine: sa.Engine) -> None:
    tenant, client_id = owner
    before = _row(engine, client_id)
    for field in INTERNAL:
        body = {"clients": [{"id": client_id, "opt_in": True, field: "forged"}]}
        response = unlimited_http.put(f"{BASE}/bulk", json=body, headers=tenant.headers())
        assert response.status_code == 422, response.text
    assert _row(engine, client_id) == before
