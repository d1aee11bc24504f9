"""Tenant isolation: another business's client answers exactly like one that does not exist.

Every endpoint (ROUTES, one row each), every way of calling as business A (PRINCIPALS),
probing a client of B (same directory) or C (another directory). Each attempt is sent
twice, with the real foreign values and with a non-existent twin; the two answers must be
equal (status, headers, body once the probe's values are masked), no victim value may
appear in any answer, and B's and C's rows must be unchanged afterwards.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from clientbook.api import openapi
from clientbook.config import Settings
from tests.factories import bearer
from tests.safety import world as worlds
from tests.safety.conftest import report, rng, scaled
from tests.safety.world import BASE, Victim, World

ATTEMPTS = 600  # per backend and transport, times CLIENTBOOK_SAFETY_SCALE


@dataclass(frozen=True)
class Req:
    method: str
    url: str
    body: Any = None


Build = Callable[[random.Random, Victim, list[str]], Req]


@dataclass(frozen=True)
class Route:
    """One way to name a foreign client through one endpoint (method + path template)."""

    method: str
    template: str
    build: Build


def _mixed(r: random.Random, probe: Victim, own: list[str]) -> list[str]:
    ids = [*r.sample(own, r.randint(0, len(own))), probe.id]
    r.shuffle(ids)
    return ids


def _update_body(r: random.Random) -> dict[str, Any]:
    choices: list[dict[str, Any]] = [
        {"first_name": "Mallory"},
        {"email": f"m{r.randrange(10**6)}@evil.example.net"},
        {"tags": "pwned"},
        {"address": None, "force_nullifying": True},
        {"status": "inactive", "spam": True},
        {"opt_in": 0},
        {},
        {"first_name": 5},
        {"email": "not an email"},
        {"id": "x", "business_uid": "y"},
    ]
    return r.choice(choices)


ROUTES: list[Route] = [
    Route("GET", "/clients/{}", lambda r, p, o: Req("GET", f"{BASE}/{p.id}")),
    Route("PUT", "/clients/{}", lambda r, p, o: Req("PUT", f"{BASE}/{p.id}", _update_body(r))),
    Route(
        "PUT",
        "/clients/{}",
        lambda r, p, o: Req("PUT", f"{BASE}/{r.choice(o)}", {"staff_id": p.staff_id}),
    ),
    Route(
        "POST",
        "/clients",
        lambda r, p, o: Req("POST", BASE, {"first_name": "Mallory", "staff_id": p.staff_id}),
    ),
    Route("DELETE", "/clients/{}", lambda r, p, o: Req("DELETE", f"{BASE}/{p.id}")),
    Route(
        "GET", "/clients", lambda r, p, o: Req("GET", f"{BASE}?search_by=uid&search_term={p.id}")
    ),
    Route(
        "GET",
        "/clients",
        lambda r, p, o: Req("GET", f"{BASE}?search_by=email&search_term={quote(p.email)}"),
    ),
    Route(
        "GET",
        "/clients",
        lambda r, p, o: Req("GET", f"{BASE}?search_by=phone&search_term={quote(p.phone)}"),
    ),
    Route("GET", "/clients", lambda r, p, o: Req("GET", f"{BASE}?search_term={p.name}")),
    Route(
        "PUT",
        "/clients/bulk",
        lambda r, p, o: Req(
            "PUT",
            f"{BASE}/bulk",
            {"clients": [{"id": i, "opt_in": r.choice([True, False])} for i in _mixed(r, p, o)]},
        ),
    ),
    Route(
        "GET",
        "/clients/merges/possible_merge_master",
        lambda r, p, o: Req(
            "GET",
            f"{BASE}/merges/possible_merge_master?client_ids={','.join(_mixed(r, p, o))}",
        ),
    ),
    Route(
        "PUT",
        "/clients/merges/merge_clients",
        lambda r, p, o: Req(
            "PUT",
            f"{BASE}/merges/merge_clients?to_client_uid={p.id}&from_client_uids={','.join(o[:2])}",
        ),
    ),
    Route(
        "PUT",
        "/clients/merges/merge_clients",
        lambda r, p, o: Req(
            "PUT",
            f"{BASE}/merges/merge_clients?to_client_uid={o[0]}"
            f"&from_client_uids={','.join(_mixed(r, p, o[1:]))}",
        ),
    ),
]

# Ways of calling as business A: (headers, the status every answer must have, or None).
PRINCIPALS: dict[str, tuple[Callable[[World], dict[str, str]], int | None]] = {
    "staff": (lambda w: bearer(w.a.staff_token), None),
    "app": (lambda w: bearer(w.a.app_token), None),
    "staff, X-On-Behalf-Of itself": (
        lambda w: bearer(w.a.staff_token, on_behalf_of=w.a.business_uid),
        None,
    ),
    "app, X-On-Behalf-Of itself": (
        lambda w: bearer(w.a.app_token, on_behalf_of=w.a.business_uid),
        None,
    ),
    "directory on behalf of A": (
        lambda w: bearer(w.a.directory_token, on_behalf_of=w.a.business_uid),
        None,
    ),
    "staff on behalf of B": (lambda w: bearer(w.a.staff_token, on_behalf_of=w.b.business_uid), 401),
    "staff on behalf of C": (lambda w: bearer(w.a.staff_token, on_behalf_of=w.c.business_uid), 401),
    "app on behalf of B": (lambda w: bearer(w.a.app_token, on_behalf_of=w.b.business_uid), 401),
    "directory on behalf of C": (
        lambda w: bearer(w.a.directory_token, on_behalf_of=w.c.business_uid),
        401,
    ),
    "directory without X-On-Behalf-Of": (lambda w: bearer(w.a.directory_token), 401),
    "C's directory on behalf of A": (
        lambda w: bearer(w.c.directory_token, on_behalf_of=w.a.business_uid),
        401,
    ),
    "client token of A": (lambda w: bearer(w.client_token), 403),
}

# The callers that reach the store come up three times as often as those refused at the door.
_DRAWN = [name for name, (_, status) in PRINCIPALS.items() for _ in range(1 if status else 3)]

VOLATILE_HEADERS = {"date", "x-request-id", "server", "content-length"}


def _template(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.removeprefix("/platform/v1"))


def served_routes(app: Any) -> set[tuple[str, str]]:
    """(method, template) of every platform route the app serves, read from its OpenAPI."""
    paths: dict[str, dict[str, Any]] = openapi.document(app.table)["paths"]
    return {
        (method.upper(), _template(path))
        for path, operations in paths.items()
        if path.startswith("/platform/v1/")
        for method in operations
    }


def test_every_served_route_is_in_the_matrix(unlimited_asgi: Any) -> None:
    covered = {(r.method, r.template) for r in ROUTES}
    assert served_routes(unlimited_asgi.app) - covered == set()


@pytest.fixture(scope="module")
def world(unlimited_asgi: Any, engine: sa.Engine, unlimited_settings: Settings) -> World:
    return worlds.build(unlimited_asgi, engine, unlimited_settings)


def _masked(response: Any, probe: Victim) -> tuple[int, dict[str, str], str]:
    text = response.text
    for value in (probe.id, probe.email, probe.phone, probe.name, probe.staff_id):
        text = text.replace(value, "<probe>")
    headers = {
        k.lower(): v.replace(probe.id, "<probe>")
        for k, v in response.headers.items()
        if k.lower() not in VOLATILE_HEADERS
    }
    return response.status_code, headers, text


def _send(http: Any, req: Req, headers: dict[str, str]) -> Any:
    if req.body is None:
        return http.request(req.method, req.url, headers=headers)
    return http.request(req.method, req.url, json=req.body, headers=headers)


def test_foreign_clients_answer_like_missing_ones(
    unlimited_http: Any, unlimited_asgi: Any, world: World, engine: sa.Engine, backend: str
) -> None:
    # Rows for endpoints not written yet wait for them (the coverage test above).
    served = served_routes(unlimited_asgi.app)
    routes = [r for r in ROUTES if (r.method, r.template) in served]
    victims_before = worlds.checksum(engine, world.b.business_uid, world.c.business_uid)
    draws = rng(f"isolation:{backend}")
    attempts = scaled(ATTEMPTS)
    mismatches: list[str] = []
    leaked: list[str] = []
    statuses: dict[int, int] = {}
    for _ in range(attempts):
        route = draws.choice(routes)
        principal = draws.choice(_DRAWN)
        headers_of, expected = PRINCIPALS[principal]
        headers = headers_of(world)
        probe = draws.choice(world.victims)
        twin = world.twin()
        seed = draws.randrange(2**32)
        real = route.build(random.Random(seed), probe, world.own_ids)
        fake = route.build(random.Random(seed), twin, world.own_ids)
        real_response = _send(unlimited_http, real, headers)
        fake_response = _send(unlimited_http, fake, headers)
        statuses[real_response.status_code] = statuses.get(real_response.status_code, 0) + 1
        where = f"{principal}: {real.method} {real.url} {json.dumps(real.body)}"
        if _masked(real_response, probe) != _masked(fake_response, twin):
            mismatches.append(
                f"{where}\n  foreign: {real_response.text}\n  missing: {fake_response.text}"
            )
        if expected is not None and real_response.status_code != expected:
            mismatches.append(f"{where}: expected {expected}, got {real_response.status_code}")
        if real_response.status_code >= 500:
            mismatches.append(f"{where}: {real_response.status_code}")
        request_text = real.url + json.dumps(real.body) + json.dumps(headers)
        response_text = real_response.text + json.dumps(dict(real_response.headers))
        for marker in worlds.leaks(world, request_text=request_text, response_text=response_text):
            leaked.append(f"{where}: {marker}")
    victims_after = worlds.checksum(engine, world.b.business_uid, world.c.business_uid)
    report(
        "isolation",
        backend,
        transport="asgi" if unlimited_http is unlimited_asgi else "served",
        attempts=attempts,
        requests=2 * attempts,
        routes=len(routes),
        failures=len(mismatches),
        leaks=len(leaked),
        victim_rows_changed=victims_before != victims_after,
        statuses=statuses,
    )
    assert mismatches == [], "\n".join(mismatches[:10])
    assert leaked == [], "\n".join(leaked[:10])
    assert victims_before == victims_after
