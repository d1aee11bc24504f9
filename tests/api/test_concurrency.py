"""Concurrent writes against a running server: no lost update, one winner per email."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2 as httpx
import pytest
import sqlalchemy as sa

from clientbook.store import database
from clientbook.store.engine import is_sqlite
from tests.api.support import BASE, create, get
from tests.factories import Tenant

PAIRS = 25
FIELDS = [("first_name", "last_name"), ("address", "custom_field1"), ("custom_field2", "tags")]


def test_concurrent_puts_of_different_fields_all_take_effect(
    served_client: httpx.Client, tenant: Tenant
) -> None:
    clients = [create(served_client, tenant)["id"] for _ in range(PAIRS)]
    barrier = threading.Barrier(2 * PAIRS, timeout=60)
    jobs = []
    for index, client_id in enumerate(clients):
        left, right = FIELDS[index % len(FIELDS)]
        jobs.append((client_id, {left: f"L{index}"}))
        jobs.append((client_id, {right: f"R{index}"}))

    def put(job: tuple[str, dict[str, Any]]) -> int:
        client_id, body = job
        barrier.wait()
        response = served_client.put(f"{BASE}/{client_id}", json=body, headers=tenant.headers())
        return response.status_code

    with ThreadPoolExecutor(max_workers=2 * PAIRS) as pool:
        statuses = list(pool.map(put, jobs))

    assert statuses == [200] * len(jobs)
    for index, client_id in enumerate(clients):
        left, right = FIELDS[index % len(FIELDS)]
        read = get(served_client, tenant, client_id)
        expected_right: Any = [f"R{index}"] if right == "tags" else f"R{index}"
        assert (read[left], read[right]) == (f"L{index}", expected_right), client_id


def test_twenty_concurrent_creates_with_the_same_email_give_exactly_one_201(
    served_client: httpx.Client, tenant: Tenant
) -> None:
    barrier = threading.Barrier(20, timeout=60)

    def post(index: int) -> httpx.Response:
        barrier.wait()
        body = {
            "first_name": f"Twin {index}",
            "email": "Twin@Example.com" if index % 2 else "twin@example.com",
        }
        return served_client.post(BASE, json=body, headers=tenant.headers())

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(post, range(20)))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 19, [r.text for r in responses if r.status_code >= 500]
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"] == "Client already exist"


def test_concurrent_puts_of_the_same_email_on_different_clients_give_exactly_one_200(
    served_client: httpx.Client, tenant: Tenant
) -> None:
    clients = [create(served_client, tenant)["id"] for _ in range(10)]
    barrier = threading.Barrier(len(clients), timeout=60)

    def put(client_id: str) -> httpx.Response:
        barrier.wait()
        body = {"email": "Race@Example.com"}
        return served_client.put(f"{BASE}/{client_id}", json=body, headers=tenant.headers())

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        responses = list(pool.map(put, clients))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [409] * 9, [r.text for r in responses if r.status_code >= 500]
    winners = [c for c, r in zip(clients, responses, strict=True) if r.status_code == 200]
    emails = [get(served_client, tenant, client_id)["email"] for client_id in clients]
    assert emails.count("Race@Example.com") == 1
    assert get(served_client, tenant, winners[0])["email"] == "Race@Example.com"


@pytest.mark.parametrize("writes_between", [1, 2])
def test_a_write_landing_between_a_puts_read_and_its_write_is_kept(
    asgi_client: Any,
    tenant: Tenant,
    engine: sa.Engine,
    monkeypatch: pytest.MonkeyPatch,
    writes_between: int,
) -> None:
    """On PostgreSQL a PUT reads its row unlocked and writes it only while it is the
    version read (store/database.py): here another connection changes the row right after
    that read, so the write finds it changed, reads again and applies the request to
    what is there now. Twice in a row, the PUT's last try locks the row and gets
    through. On SQLite the writer's turn keeps any write from landing there."""
    client = create(asgi_client, tenant, address="Before")
    read = database.PostgresTransaction.locked
    landed: list[str] = []

    async def read_then_another_write(
        tx: database.PostgresTransaction, access: database.Access, client_id: str
    ) -> Any:
        found = await read(tx, access, client_id)
        if tx.optimistic and len(landed) < writes_between:
            landed.append(f"Other {len(landed) + 1}")
            with engine.begin() as conn:
                conn.execute(
                    sa.text("UPDATE clients SET address = :address, updated_at = now()"
                            " WHERE business_uid = :b AND id = :id"),
                    {"address": landed[-1], "b": tenant.business_uid, "id": client_id},
                )  # fmt: skip
        return found

    monkeypatch.setattr(database.PostgresTransaction, "locked", read_then_another_write)
    response = asgi_client.put(
        f"{BASE}/{client['id']}", json={"last_name": "Mine"}, headers=tenant.headers()
    )

    address = "Before" if is_sqlite(engine) else f"Other {writes_between}"
    assert response.status_code == 200
    assert response.json()["data"]["client"]["address"] == address
    stored = get(asgi_client, tenant, client["id"])
    assert stored["last_name"] == "Mine"
    assert stored["address"] == address
    assert len(landed) == (0 if is_sqlite(engine) else writes_between)


def test_many_concurrent_list_requests_all_get_their_own_page(
    served_client: httpx.Client, tenant: Tenant
) -> None:
    # List requests run on the event loop, interleaved with each other's statements
    # (PostgreSQL) or one after the other (SQLite): each is answered with its own page.
    created = [create(served_client, tenant, first_name=f"Page {n}")["id"] for n in range(6)]
    requests = 12
    barrier = threading.Barrier(requests, timeout=60)

    def page(index: int) -> tuple[int, list[str]]:
        barrier.wait()
        params = {"page": str(index % len(created) + 1), "per_page": "1"}
        response = served_client.get(BASE, params=params, headers=tenant.headers())
        return response.status_code, [c["id"] for c in response.json()["data"]["clients"]]

    with ThreadPoolExecutor(max_workers=requests) as pool:
        answers = list(pool.map(page, range(requests)))

    assert answers == [(200, [created[i % len(created)]]) for i in range(requests)]
