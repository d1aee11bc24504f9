"""Merges (contract 5.7) through HTTP, on both backends."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from clientbook import ids
from clientbook.store.tables import clients, matters, source_records
from clientbook.store.uow import transaction
from tests.api.support import BASE, create, error_of, get, put
from tests.factories import Tenant, delete_staff, staff_member
from tests.factories import tenant as new_tenant

MASTER = f"{BASE}/merges/possible_merge_master"
MERGE = f"{BASE}/merges/merge_clients"
NOT_FOUND = (404, "This contact doesn't exist")


def candidates(http: Any, tenant: Tenant, client_ids: str) -> Any:
    return http.get(MASTER, params={"client_ids": client_ids}, headers=tenant.headers())


def merge(http: Any, tenant: Tenant, to: str | None, sources: str | None, **kw: Any) -> Any:
    params = {k: v for k, v in (("to_client_uid", to), ("from_client_uids", sources)) if v}
    return http.put(MERGE, params=params, headers=tenant.headers(), **kw)


def add_matter(engine: sa.Engine, tenant: Tenant, client_id: str) -> str:
    uid = ids.new_uid()
    with transaction(engine, write=True) as conn:
        client_created_at = conn.execute(
            sa.select(clients.c.created_at).where(
                clients.c.business_uid == tenant.business_uid, clients.c.id == client_id
            )
        ).scalar_one()
        conn.execute(
            matters.insert().values(
                business_uid=tenant.business_uid,
                uid=uid,
                client_created_at=client_created_at,
                client_id=client_id,
                display_name="Extra",
                fields=[],
                created_at=ids.utcnow(),
            )
        )
    return uid


# --- possible_merge_master ---------------------------------------------------------


def test_possible_masters_are_the_given_ids_with_at_most_one_matter(
    http: Any, tenant: Tenant, engine: sa.Engine
) -> None:
    a, b, c = (create(http, tenant)["id"] for _ in range(3))
    add_matter(engine, tenant, b)

    response = candidates(http, tenant, f"{c},{b}, {a}")

    assert response.status_code == 200, response.text
    assert response.json() == {"status": "OK", "master_ids": [c, a]}


def test_possible_masters_validation(http: Any, tenant: Tenant) -> None:
    a = create(http, tenant)["id"]
    fewer = (422, "Validation failed: Client ids must name at least two different clients")
    assert error_of(http.get(MASTER, headers=tenant.headers())) == fewer
    assert error_of(candidates(http, tenant, "")) == fewer
    assert error_of(candidates(http, tenant, a)) == fewer
    assert error_of(candidates(http, tenant, f"{a},{a}")) == fewer
    many = ",".join(f"id{n}" for n in range(101))
    assert error_of(candidates(http, tenant, many)) == (
        422,
        "Validation failed: Client ids are too many (maximum is 100)",
    )


def test_possible_masters_unknown_deleted_or_foreign_id(
    http: Any, tenant: Tenant, engine: sa.Engine, settings: Any
) -> None:
    a = create(http, tenant)["id"]
    deleted = create(http, tenant)["id"]
    http.delete(f"{BASE}/{deleted}", headers=tenant.headers())
    foreign = create(http, new_tenant(engine, settings))["id"]
    for other in ("0" * 16, deleted, foreign):
        assert error_of(candidates(http, tenant, f"{a},{other}")) == NOT_FOUND


def test_possible_masters_needs_a_token(http: Any, tenant: Tenant) -> None:
    assert error_of(http.get(MASTER, params={"client_ids": "a,b"})) == (401, "Unauthorized")


# --- merge_clients -----------------------------------------------------------------


def test_merge_does_not_assign_a_removed_staff_member(
    http: Any, tenant: Tenant, engine: sa.Engine, settings: Any
) -> None:
    staff = staff_member(engine, settings, business_uid=tenant.business_uid)
    master = create(http, tenant, first_name="Ada")
    source = create(http, tenant, first_name="Byron", staff_id=staff)
    delete_staff(settings, business_uid=tenant.business_uid, staff_uid=staff)

    response = merge(http, tenant, master["id"], source["id"])

    assert response.status_code == 200, response.text
    assert get(http, tenant, master["id"])["staff_id"] is None


def test_merge_fills_empty_fields_unites_tags_moves_matters(
    http: Any, tenant: Tenant, engine: sa.Engine, settings: Any
) -> None:
    staff = staff_member(engine, settings, business_uid=tenant.business_uid)
    master = create(http, tenant, first_name="Ada", tags="vip, a", status="customer")
    first = create(
        http,
        tenant,
        first_name="Augusta",
        last_name="King",
        email="ada@example.com",
        phone="202-555-0143",
        tags="A, new",
        opt_in=False,
        custom_field2="second",
        source_name="Other",
    )
    second = create(
        http,
        tenant,
        first_name="Byron",
        last_name="Other",
        address="1 Main St",
        staff_id=staff,
        tags="late",
        opt_in=True,
    )
    before = get(http, tenant, master["id"])
    moved = [get(http, tenant, s["id"])["matters"][0] for s in (first, second)]

    response = merge(http, tenant, master["id"], f"{first['id']},{second['id']}")

    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["status", "master_ids", "clients"]
    assert body["status"] == "OK"
    assert body["master_ids"] == [master["id"]]
    (merged,) = body["clients"]
    assert merged == get(http, tenant, master["id"])
    assert merged["first_name"] == "Ada"  # kept
    assert merged["last_name"] == "King"  # filled from the first source that has it
    assert merged["email"] == "ada@example.com"
    assert merged["mobile_phone"] == "202-555-0143"
    assert merged["normalized_phone"] == "+12025550143"
    assert merged["address"] == "1 Main St"  # the first source has none
    assert merged["custom_field2"] == "second"
    assert merged["staff_id"] == staff
    assert merged["opt_in"] == "0"
    assert merged["customer_status"] == "customer"
    assert merged["source"] == before["source"]
    assert merged["source_url"] == before["source_url"]
    assert merged["tags"] == ["vip", "a", "new", "late"]
    assert merged["matters"] == [*before["matters"], *moved]
    for source in (first, second):
        assert error_of(http.get(f"{BASE}/{source['id']}", headers=tenant.headers())) == (
            404,
            "Entity not found",
        )
    listed = http.get(BASE, headers=tenant.headers()).json()["data"]["clients"]
    assert [item["id"] for item in listed] == [master["id"]]


def test_sources_are_soft_deleted_as_by_delete(
    http: Any, tenant: Tenant, engine: sa.Engine
) -> None:
    master = create(http, tenant, email="master@example.com")
    source = create(http, tenant, email="source@example.com")
    assert merge(http, tenant, master["id"], source["id"]).status_code == 200

    # The source's email is freed, the master kept its own.
    assert create(http, tenant, email="source@example.com")["email"] == "source@example.com"
    with transaction(engine, write=False) as conn:
        record_deleted = conn.execute(
            sa.select(source_records.c.deleted_at).where(
                source_records.c.business_uid == tenant.business_uid,
                source_records.c.client_id == source["id"],
            )
        ).scalar_one()
        left = conn.execute(
            sa.select(sa.func.count()).where(
                matters.c.business_uid == tenant.business_uid,
                matters.c.client_id == source["id"],
            )
        ).scalar_one()
    assert record_deleted is not None
    assert left == 0


def test_merge_ignores_any_body(http: Any, tenant: Tenant) -> None:
    master, source = create(http, tenant)["id"], create(http, tenant)["id"]
    headers = {**tenant.headers(), "Content-Type": "text/plain"}
    response = http.put(
        MERGE,
        params={"to_client_uid": master, "from_client_uids": source},
        headers=headers,
        content=b"{not json",
    )
    assert response.status_code == 200, response.text


def test_merge_parameter_errors(http: Any, tenant: Tenant) -> None:
    a, b = create(http, tenant)["id"], create(http, tenant)["id"]
    assert error_of(merge(http, tenant, None, b)) == (
        422,
        "Validation failed: To client uid can't be blank",
    )
    assert error_of(merge(http, tenant, a, None)) == (
        422,
        "Validation failed: From client uids can't be blank",
    )
    assert error_of(merge(http, tenant, a, f"{b},{a}")) == (
        422,
        "Validation failed: From client uids must not include to_client_uid",
    )
    # The master among the sources is refused before unknown ids are looked up.
    assert error_of(merge(http, tenant, "0" * 16, "0" * 16)) == (
        422,
        "Validation failed: From client uids must not include to_client_uid",
    )
    many = ",".join(f"id{n}" for n in range(101))
    assert error_of(merge(http, tenant, a, many)) == (
        422,
        "Validation failed: From client uids are too many (maximum is 100)",
    )


def test_merge_unknown_deleted_or_foreign_ids(
    http: Any, tenant: Tenant, engine: sa.Engine, settings: Any
) -> None:
    a, b = create(http, tenant)["id"], create(http, tenant)["id"]
    deleted = create(http, tenant)["id"]
    http.delete(f"{BASE}/{deleted}", headers=tenant.headers())
    foreign = create(http, new_tenant(engine, settings))["id"]
    for other in ("0" * 16, deleted, foreign):
        assert error_of(merge(http, tenant, a, f"{b},{other}")) == NOT_FOUND
        assert error_of(merge(http, tenant, other, b)) == NOT_FOUND
    # Nothing changed.
    assert get(http, tenant, b)["customer_status"] == "lead"


def test_not_found_is_checked_before_matters(http: Any, tenant: Tenant, engine: sa.Engine) -> None:
    a, b = create(http, tenant)["id"], create(http, tenant)["id"]
    add_matter(engine, tenant, b)
    assert error_of(merge(http, tenant, a, f"{b},{'0' * 16}")) == NOT_FOUND


def test_client_with_more_than_one_matter_cannot_be_merged(
    http: Any, tenant: Tenant, engine: sa.Engine
) -> None:
    a, b = create(http, tenant)["id"], create(http, tenant)["id"]
    add_matter(engine, tenant, b)
    response = merge(http, tenant, a, b)
    assert error_of(response) == (422, f"Validation failed: Client {b} has more than one matter")
    assert response.json()["errors"] == {"from_client_uids": ["has more than one matter"]}
    assert error_of(merge(http, tenant, b, a)) == (
        422,
        f"Validation failed: Client {b} has more than one matter",
    )
    assert len(get(http, tenant, a)["matters"]) == 1
    assert len(get(http, tenant, b)["matters"]) == 2


def test_more_than_100_tags_refuses_the_whole_merge(http: Any, tenant: Tenant) -> None:
    master = create(http, tenant, tags=",".join(f"m{n}" for n in range(60)))
    source = create(http, tenant, tags=",".join(f"s{n}" for n in range(41)), last_name="Kept")
    response = merge(http, tenant, master["id"], source["id"])
    assert error_of(response) == (422, "Validation failed: Tags are too many (maximum is 100)")
    assert get(http, tenant, source["id"])["last_name"] == "Kept"
    assert get(http, tenant, master["id"])["last_name"] is None


def test_exactly_100_tags_merge(http: Any, tenant: Tenant) -> None:
    master = create(http, tenant, tags=",".join(f"m{n}" for n in range(60)))
    source = create(http, tenant, tags=",".join(f"s{n}" for n in range(40)))
    response = merge(http, tenant, master["id"], source["id"])
    assert response.status_code == 200
    assert len(response.json()["clients"][0]["tags"]) == 100


def test_merged_master_can_be_updated_and_deleted(http: Any, tenant: Tenant) -> None:
    master, source = create(http, tenant)["id"], create(http, tenant)["id"]
    merge(http, tenant, master, source)
    assert put(http, tenant, master, {"last_name": "After"}).status_code == 200
    # Two matters now: no longer a possible master.
    other = create(http, tenant)["id"]
    assert candidates(http, tenant, f"{master},{other}").json()["master_ids"] == [other]
    deleted = http.delete(f"{BASE}/{master}", headers=tenant.headers())
    assert deleted.json()["data"]["client"]["matters"] == []


def test_merge_needs_a_token_and_method(http: Any, tenant: Tenant) -> None:
    assert error_of(http.put(MERGE, params={"to_client_uid": "a"})) == (401, "Unauthorized")
    response = http.get(MERGE, headers=tenant.headers())
    assert error_of(response) == (405, "Method not allowed")
    assert response.headers["Allow"] == "PUT"
