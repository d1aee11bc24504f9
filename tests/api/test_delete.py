"""DELETE /platform/v1/clients/{id} (contract 5.5) through HTTP, on both backends."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from clientbook.store.tables import clients, matters, source_records
from clientbook.store.uow import transaction
from tests.api.support import BASE, create, error_of, get, put
from tests.factories import Tenant
from tests.factories import tenant as new_tenant
from tests.representations import SINGLE_KEYS


def delete(http: Any, tenant: Tenant, client_id: str, kind: str = "staff") -> Any:
    return http.delete(f"{BASE}/{client_id}", headers=tenant.headers(kind))


def test_delete_returns_the_deleted_client_without_matters(http: Any, tenant: Tenant) -> None:
    made = create(
        http,
        tenant,
        last_name="Lovelace",
        email="Ada@Example.com",
        phone="202-555-0143",
        status="customer",
        tags="vip",
        source_url="https://example.com",
        source_channel="ads",
    )
    before = get(http, tenant, made["id"])
    assert len(before["matters"]) == 1

    response = delete(http, tenant, made["id"])

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "OK"
    client = body["data"]["client"]
    assert list(client) == SINGLE_KEYS
    expected = {
        **before,
        "customer_status": "inactive",
        "email": f"Ada@Example.com.d{made['id']}",
        "matters": [],
        "updated_at": client["updated_at"],
    }
    assert client == expected
    assert client["updated_at"] >= before["updated_at"]


def test_deleted_client_is_gone_everywhere(http: Any, tenant: Tenant) -> None:
    made = create(http, tenant)
    assert delete(http, tenant, made["id"]).status_code == 200

    not_found = (404, "Entity not found")
    assert error_of(http.get(f"{BASE}/{made['id']}", headers=tenant.headers())) == not_found
    assert error_of(put(http, tenant, made["id"], {"first_name": "X"})) == not_found
    assert error_of(delete(http, tenant, made["id"])) == not_found
    listed = http.get(BASE, headers=tenant.headers()).json()["data"]["clients"]
    assert listed == []


def test_unknown_and_foreign_clients_are_not_found(
    http: Any, tenant: Tenant, engine: sa.Engine, settings: Any
) -> None:
    other = new_tenant(engine, settings)
    foreign = create(http, other)
    assert error_of(delete(http, tenant, "0" * 16)) == (404, "Entity not found")
    assert error_of(delete(http, tenant, foreign["id"])) == (404, "Entity not found")
    assert get(http, other, foreign["id"])["id"] == foreign["id"]


def test_every_token_kind_may_delete(http: Any, tenant: Tenant) -> None:
    for kind in ("staff", "app", "directory"):
        made = create(http, tenant)
        assert delete(http, tenant, made["id"], kind).status_code == 200


def test_unauthenticated_delete_is_refused_and_changes_nothing(http: Any, tenant: Tenant) -> None:
    made = create(http, tenant)
    assert error_of(http.delete(f"{BASE}/{made['id']}")) == (401, "Unauthorized")
    assert get(http, tenant, made["id"])["customer_status"] == "lead"


def test_freed_email_can_be_reused(http: Any, tenant: Tenant) -> None:
    first = create(http, tenant, email="ada@example.com")
    assert delete(http, tenant, first["id"]).status_code == 200

    again = create(http, tenant, email="ADA@example.com")
    other = create(http, tenant, email="other@example.com")
    assert again["email"] == "ADA@example.com"
    assert put(http, tenant, other["id"], {"email": "ada@example.com"}).status_code == 409
    assert delete(http, tenant, again["id"]).status_code == 200
    assert put(http, tenant, other["id"], {"email": "ada@example.com"}).status_code == 200


def test_client_without_email_keeps_none(http: Any, tenant: Tenant) -> None:
    made = create(http, tenant)
    assert delete(http, tenant, made["id"]).json()["data"]["client"]["email"] is None


def test_storage_after_delete(http: Any, tenant: Tenant, engine: sa.Engine) -> None:
    made = create(http, tenant, email="ada@example.com")
    delete(http, tenant, made["id"])
    with transaction(engine, write=False) as conn:
        row = conn.execute(
            sa.select(clients).where(
                clients.c.business_uid == tenant.business_uid, clients.c.id == made["id"]
            )
        ).one()
        detached = conn.execute(
            sa.select(sa.func.count()).where(
                matters.c.business_uid == tenant.business_uid, matters.c.client_id == made["id"]
            )
        ).scalar_one()
        record_deleted = conn.execute(
            sa.select(source_records.c.deleted_at).where(
                source_records.c.business_uid == tenant.business_uid,
                source_records.c.client_id == made["id"],
            )
        ).scalar_one()
    assert row.deleted_at is not None
    assert row.status == "inactive"
    assert row.email == f"ada@example.com.d{made['id']}"
    assert detached == 0
    assert record_deleted == row.deleted_at
