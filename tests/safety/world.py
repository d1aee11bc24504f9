"""A small world of three businesses for the safety suites, and a checksum of a tenant's rows.

A (the caller) and B share a directory; C is in another directory. B and C hold victim
clients whose every value is a unique marker, so a leak is a substring search.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from clientbook.config import Settings
from clientbook.store import tables
from tests import factories
from tests.factories import Tenant

BASE = "/platform/v1/clients"


@dataclass(frozen=True)
class Victim:
    """What a probe may name: a client's id, email, phone and name, and a staff uid."""

    id: str
    email: str
    phone: str
    name: str
    staff_id: str


@dataclass
class World:
    a: Tenant
    b: Tenant
    c: Tenant
    own_ids: list[str]
    victims: list[Victim]
    markers: set[str]
    client_token: str

    def twin(self) -> Victim:
        """A victim that does not exist: same shapes, fresh values."""
        return new_victim_values(id=_uid(), staff_id=_uid())


def _uid() -> str:
    return secrets.token_hex(8)


def new_victim_values(*, id: str, staff_id: str) -> Victim:
    tag = secrets.token_hex(5)
    digits = str(secrets.randbelow(9000) + 1000)
    return Victim(
        id=id,
        email=f"v{tag}@victim.example.com",
        phone=f"+1 415 555 {digits}",
        name=f"Vic{tag}",
        staff_id=staff_id,
    )


def _create(http: Any, tenant: Tenant, body: dict[str, Any]) -> dict[str, Any]:
    response = http.post(BASE, json=body, headers=tenant.headers())
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def build(http: Any, engine: sa.Engine, settings: Settings, *, per_victim: int = 3) -> World:
    """Three businesses, victim clients in B and C, own clients in A."""
    a = factories.tenant(engine, settings)
    b = factories.tenant(engine, settings, directory=(a.directory_uid, a.directory_token))
    c = factories.tenant(engine, settings)
    victims: list[Victim] = []
    markers: set[str] = {b.business_uid, c.business_uid, b.app_uid, c.app_uid}
    markers |= {b.staff_uid, c.staff_uid, c.directory_uid}
    for tenant in (b, c):
        for _ in range(per_victim):
            shape = new_victim_values(id="", staff_id=tenant.staff_uid)
            body = {
                "first_name": shape.name,
                "last_name": f"Last{secrets.token_hex(5)}",
                "email": shape.email,
                "phone": shape.phone,
                "address": f"Addr{secrets.token_hex(6)}",
                "custom_field1": f"Custom{secrets.token_hex(6)}",
                "tags": f"tag{secrets.token_hex(5)}",
                "staff_id": tenant.staff_uid,
                "source_name": f"Src{secrets.token_hex(5)}",
                "source_url": f"https://victim.example.com/{secrets.token_hex(5)}",
            }
            created = _create(http, tenant, body)
            client_id = created["client"]["id"]
            victims.append(
                Victim(
                    id=client_id,
                    email=shape.email,
                    phone=shape.phone,
                    name=shape.name,
                    staff_id=tenant.staff_uid,
                )
            )
            single = http.get(f"{BASE}/{client_id}", headers=tenant.headers()).json()
            markers |= _strings(single["data"]) | _strings(body) | {created["token"]}
    own = [_create(http, a, {"first_name": "Own", "tags": "mine"}) for _ in range(3)]
    markers = {m for m in markers if len(m) >= 8 and m not in _strings(own)}
    return World(
        a=a,
        b=b,
        c=c,
        own_ids=[o["client"]["id"] for o in own],
        victims=victims,
        markers=markers,
        client_token=own[0]["token"],
    )


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return set()


def leaks(world: World, *, request_text: str, response_text: str) -> list[str]:
    """Victim markers in a response that the request did not itself carry."""
    return sorted(m for m in world.markers if m in response_text and m not in request_text)


TENANT_TABLES = ("clients", "source_records", "matters", "staff", "apps", "tokens")


def checksum(engine: sa.Engine, *business_uids: str) -> str:
    """A digest of every row that belongs to the businesses (and the businesses themselves)."""
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for name in TENANT_TABLES:
            table = tables.metadata.tables[name]
            query = (
                sa.select(table)
                .where(table.c.business_uid.in_(business_uids))
                .order_by(*table.primary_key.columns)
            )
            for row in conn.execute(query):
                digest.update(repr(tuple(row)).encode())
        query = (
            sa.select(tables.businesses)
            .where(tables.businesses.c.uid.in_(business_uids))
            .order_by(tables.businesses.c.uid)
        )
        for row in conn.execute(query):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()
