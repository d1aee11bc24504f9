"""PUT /platform/v1/clients/bulk (contract 5.6) through HTTP, on both backends."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest
import sqlalchemy as sa

from clientbook import ids
from clientbook.store.tables import clients, matters, source_records
from clientbook.store.uow import transaction
from tests.api.support import BASE, create, error_of, get
from tests.factories import Tenant
from tests.factories import tenant as new_tenant

BULK = f"{BASE}/bulk"


def bulk(http: Any, tenant: Tenant, body: Any, kind: str = "staff") -> Any:
    return http.put(BULK, json=body, headers=tenant.headers(kind))


def opt_ins(engine: sa.Engine, tenant: Tenant) -> dict[str, tuple[bool | None, Any]]:
    """Every client of the business: id -> (opt_in, updated_at), read from the database."""
    with transaction(engine, write=False) as conn:
        rows = conn.execute(
            sa.select(clients.c.id, clients.c.opt_in, clients.c.updated_at).where(
                clients.c.business_uid == tenant.business_uid
            )
        ).all()
    return {row.id: (row.opt_in, row.updated_at) for row in rows}


def seed(engine: sa.Engine, tenant: Tenant, count: int) -> list[str]:
    """`count` clients inserted directly (creating 5000 through HTTP would take long)."""
    now = ids.utcnow()
    made = [ids.new_uid() for _ in range(count)]
    with transaction(engine, write=True) as conn:
        conn.execute(
            clients.insert(),
            [
                {
                    "business_uid": tenant.business_uid,
                    "id": client_id,
                    "first_name": f"Client {n}",
                    "status": "lead",
                    "tags": [],
                    "spam": False,
                    "opt_in": None,
                    "created_at": now,
                    "updated_at": now,
                }
                for n, client_id in enumerate(made)
            ],
        )
    return made


def test_bulk_sets_opt_in_of_every_item(http: Any, tenant: Tenant) -> None:
    a, b, c = (create(http, tenant)["id"] for _ in range(3))

    response = bulk(
        http,
        tenant,
        {"clients": [{"id": a, "opt_in": True}, {"id": b, "opt_in": "0"}, {"id": c, "opt_in": 1}]},
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "OK",
        "data": {"updated": True, "count": 3, "message": "Clients updated successfully"},
    }
    assert [get(http, tenant, x)["opt_in"] for x in (a, b, c)] == ["1", "0", "1"]


@pytest.mark.parametrize(
    ("form", "reads"),
    [(True, "1"), ("1", "1"), (1, "1"), ("true", "1"), (False, "0"), ("0", "0"), (0, "0"),
     ("false", "0")],
)  # fmt: skip
def test_opt_in_forms(http: Any, tenant: Tenant, form: Any, reads: str) -> None:
    client_id = create(http, tenant)["id"]
    assert bulk(http, tenant, {"clients": [{"id": client_id, "opt_in": form}]}).status_code == 200
    assert get(http, tenant, client_id)["opt_in"] == reads


def test_only_changed_clients_get_a_new_updated_at(
    http: Any, tenant: Tenant, engine: sa.Engine
) -> None:
    same = create(http, tenant, opt_in=True)["id"]
    other = create(http, tenant, opt_in=True)["id"]
    before = opt_ins(engine, tenant)
    time.sleep(0.01)
    body = {"clients": [{"id": same, "opt_in": True}, {"id": other, "opt_in": False}]}
    assert bulk(http, tenant, body).json()["data"]["count"] == 2
    after = opt_ins(engine, tenant)
    assert after[same] == before[same]
    assert after[other][0] is False
    assert after[other][1] > before[other][1]


def test_empty_list_updates_nothing(http: Any, tenant: Tenant) -> None:
    response = bulk(http, tenant, {"clients": []})
    assert response.status_code == 200
    assert response.json()["data"] == {
        "updated": False,
        "count": 0,
        "message": "No clients updated",
    }


def test_opt_in_disabled_business_updates_nothing(
    http: Any, engine: sa.Engine, settings: Any
) -> None:
    tenant = new_tenant(engine, settings, opt_in_enabled=False)
    client_id = create(http, tenant)["id"]
    before = opt_ins(engine, tenant)

    response = bulk(http, tenant, {"clients": [{"id": client_id, "opt_in": True}]})

    assert response.status_code == 200
    assert response.json()["data"] == {
        "updated": False,
        "count": 0,
        "message": "No clients updated",
    }
    assert opt_ins(engine, tenant) == before
    # Still validated: a bad request is refused, not answered "nothing updated".
    bad = bulk(http, tenant, {"clients": [{"id": "nope", "opt_in": True}]})
    assert error_of(bad) == (422, "Validation failed: Clients[0].id does not exist")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Validation failed: Clients can't be blank"),
        ({"clients": None}, "Validation failed: Clients can't be blank"),
        ({"clients": {"id": "x"}}, "Validation failed: Clients must be a list"),
        ({"clients": "x"}, "Validation failed: Clients must be a list"),
        ({"clients": ["x"]}, "Validation failed: Clients[0] must be an object"),
        ({"clients": [{"id": "KNOWN", "opt_in": True, "email": "a@b.c"}]},
         "Only 'opt_in' field is allowed in bulk updates"),
        ({"clients": [{"opt_in": True}]}, "Validation failed: Clients[0].id can't be blank"),
        ({"clients": [{"id": 5, "opt_in": True}]},
         "Validation failed: Clients[0].id must be a string"),
        ({"clients": [{"id": "KNOWN"}]}, "Validation failed: Clients[0].opt_in can't be blank"),
        ({"clients": [{"id": "KNOWN", "opt_in": None}]},
         "Validation failed: Clients[0].opt_in can't be blank"),
        ({"clients": [{"id": "KNOWN", "opt_in": "yes"}]},
         "Validation failed: Clients[0].opt_in is invalid"),
        ({"clients": [{"id": "KNOWN", "opt_in": 2}]},
         "Validation failed: Clients[0].opt_in is invalid"),
        ({"clients": [{"id": "KNOWN", "opt_in": True}, {"id": "KNOWN", "opt_in": False}]},
         "Validation failed: Clients[1].id is duplicated"),
        ({"clients": [{"id": "KNOWN", "opt_in": True}, {"id": "0" * 16, "opt_in": False}]},
         "Validation failed: Clients[1].id does not exist"),
    ],
)  # fmt: skip
def test_bad_requests_change_nothing(
    http: Any, tenant: Tenant, engine: sa.Engine, body: dict[str, Any], message: str
) -> None:
    known = create(http, tenant)["id"]
    body = copy.deepcopy(body)  # the parameters are shared by every combination
    items = body.get("clients")
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and item.get("id") == "KNOWN":
                item["id"] = known
    before = opt_ins(engine, tenant)

    response = bulk(http, tenant, body)

    assert error_of(response) == (422, message)
    assert opt_ins(engine, tenant) == before


def test_too_many_items_is_checked_first(http: Any, tenant: Tenant) -> None:
    body = {"clients": ["not even an object"] * 5001}
    response = bulk(http, tenant, body)
    assert error_of(response) == (422, "Too many clients: at most 5000 per request")


def test_deleted_and_foreign_clients_do_not_exist(
    http: Any, tenant: Tenant, engine: sa.Engine, settings: Any
) -> None:
    foreign = create(http, new_tenant(engine, settings))["id"]
    deleted = create(http, tenant)["id"]
    http.delete(f"{BASE}/{deleted}", headers=tenant.headers())
    for client_id in (foreign, deleted):
        response = bulk(http, tenant, {"clients": [{"id": client_id, "opt_in": True}]})
        assert error_of(response) == (422, "Validation failed: Clients[0].id does not exist")


def test_edge_errors(http: Any, tenant: Tenant) -> None:
    headers = {**tenant.headers(), "Content-Type": "text/plain"}
    assert error_of(http.put(BULK, content=b"{}", headers=headers)) == (
        415,
        "Unsupported media type",
    )
    headers["Content-Type"] = "application/json"
    assert error_of(http.put(BULK, content=b"{", headers=headers)) == (400, "Malformed JSON")
    assert error_of(http.put(BULK, content=b"[]", headers=headers)) == (
        422,
        "Validation failed: Body must be a JSON object",
    )
    assert error_of(http.put(BULK, json={"clients": []})) == (401, "Unauthorized")


def test_5000_items_succeed(http: Any, tenant: Tenant, engine: sa.Engine) -> None:
    made = seed(engine, tenant, 5000)
    body = {"clients": [{"id": x, "opt_in": n % 2 == 0} for n, x in enumerate(made)]}

    started = time.perf_counter()
    response = bulk(http, tenant, body)
    elapsed = time.perf_counter() - started

    assert response.status_code == 200, response.text
    assert response.json()["data"] == {
        "updated": True,
        "count": 5000,
        "message": "Clients updated successfully",
    }
    stored = opt_ins(engine, tenant)
    assert all(stored[x][0] is (n % 2 == 0) for n, x in enumerate(made))
    assert elapsed < 10, f"bulk of 5000 took {elapsed:.2f}s"


def test_5000_items_with_one_bad_change_nothing(
    http: Any, tenant: Tenant, engine: sa.Engine
) -> None:
    made = seed(engine, tenant, 5000)
    before = opt_ins(engine, tenant)
    items: list[dict[str, Any]] = [{"id": x, "opt_in": True} for x in made]
    items[4321] = {"id": "0" * 16, "opt_in": True}

    response = bulk(http, tenant, {"clients": items})

    assert error_of(response) == (422, "Validation failed: Clients[4321].id does not exist")
    assert opt_ins(engine, tenant) == before
    assert all(opt_in is None for opt_in, _ in before.values())


def test_bulk_is_not_taken_for_a_client_id(http: Any, tenant: Tenant) -> None:
    assert error_of(http.get(BULK, headers=tenant.headers())) == (404, "Entity not found")
    assert error_of(http.delete(BULK, headers=tenant.headers())) == (404, "Entity not found")


def test_matters_and_source_records_are_untouched(
    http: Any, tenant: Tenant, engine: sa.Engine
) -> None:
    client_id = create(http, tenant)["id"]
    bulk(http, tenant, {"clients": [{"id": client_id, "opt_in": True}]})
    with transaction(engine, write=False) as conn:
        for table in (matters, source_records):
            count = conn.execute(
                sa.select(sa.func.count()).where(
                    table.c.business_uid == tenant.business_uid, table.c.client_id == client_id
                )
            ).scalar_one()
            assert count == 1
