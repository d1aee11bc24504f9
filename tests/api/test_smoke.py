"""The create -> get -> put walk-through of the README."""

from __future__ import annotations

from typing import Any

from tests.api.support import create, get, put
from tests.factories import Tenant


def test_created_client_reads_back_and_updates(http: Any, tenant: Tenant) -> None:
    created = create(http, tenant, last_name="Lovelace", address="1 Main St")
    assert get(http, tenant, created["id"])["address"] == "1 Main St"

    response = put(http, tenant, created["id"], {"address": None, "force_nullifying": True})

    assert response.status_code == 200
    assert response.json()["data"]["client"]["address"] is None
    assert get(http, tenant, created["id"])["address"] is None
