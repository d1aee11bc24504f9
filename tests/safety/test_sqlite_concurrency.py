"""Many concurrent writers on SQLite, through a running server: a heavy mixed load (creates
racing for the same emails, updates of shared clients, deletes, bulk updates, merges,
reads and lists) never gives a 5xx nor a "database is locked". Run on PostgreSQL too."""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import Any

import httpx2 as httpx
import sqlalchemy as sa

from clientbook.config import Settings
from tests import factories
from tests.safety.conftest import report, rng, scaled
from tests.safety.world import BASE

THREADS = 12
REQUESTS = 40  # per thread, times CLIENTBOOK_SAFETY_SCALE
EMAILS = [f"shared{i}@example.com" for i in range(5)]


def _one(http: httpx.Client, draws: random.Random, shared: list[str]) -> httpx.Response:
    kind = draws.random()
    target = draws.choice(shared)
    if kind < 0.25:
        body = {"first_name": "Racer", "email": draws.choice(EMAILS)}
        return http.post(BASE, json=body)
    if kind < 0.55:
        body = {draws.choice(["first_name", "address", "tags", "custom_field2"]): "v"}
        return http.put(f"{BASE}/{target}", json=body)
    if kind < 0.62:
        return http.put(f"{BASE}/{target}", json={"email": draws.choice(EMAILS)})
    if kind < 0.68:
        return http.delete(f"{BASE}/{target}")
    if kind < 0.75:
        ids = draws.sample(shared, 3)
        items = [{"id": i, "opt_in": draws.choice([True, False])} for i in ids]
        return http.put(f"{BASE}/bulk", json={"clients": items})
    if kind < 0.8:
        master, source = draws.sample(shared, 2)
        query = f"to_client_uid={master}&from_client_uids={source}"
        return http.put(f"{BASE}/merges/merge_clients?{query}")
    if kind < 0.9:
        return http.get(f"{BASE}/{target}")
    return http.get(f"{BASE}?search_term=Racer&per_page=100")


def test_concurrent_writers_never_see_a_5xx_or_a_lock(
    backend: str, unlimited_served: Any, engine: sa.Engine, unlimited_settings: Settings
) -> None:
    tenant = factories.tenant(engine, unlimited_settings)
    base = str(unlimited_served.base_url)
    with httpx.Client(base_url=base, headers=tenant.headers(), timeout=60) as http:
        shared = [
            http.post(BASE, json={"first_name": f"Shared{i}"}).json()["data"]["client"]["id"]
            for i in range(20)
        ]
    statuses: Counter[int] = Counter()
    bad: list[str] = []
    lock = threading.Lock()
    per_thread = scaled(REQUESTS)

    def worker(index: int) -> None:
        draws = rng(f"sqlite-concurrency:{index}")
        with httpx.Client(base_url=base, headers=tenant.headers(), timeout=60) as http:
            for _ in range(per_thread):
                response = _one(http, draws, shared)
                with lock:
                    statuses[response.status_code] += 1
                    if response.status_code >= 500 or "locked" in response.text.lower():
                        bad.append(f"{response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    report(
        "concurrent writers",
        backend,
        threads=THREADS,
        requests=THREADS * per_thread,
        failures=len(bad),
        statuses=dict(statuses),
    )
    assert bad == [], bad[:10]
    assert sum(statuses.values()) == THREADS * per_thread
