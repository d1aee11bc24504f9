"""Use case: bulk opt-in (contract 5.6)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from clientbook.auth import Principal
from clientbook.domain import bulk
from clientbook.service import common
from clientbook.store import bulk as bulk_store
from clientbook.store.database import Transaction

BULK_DONE = "Clients updated successfully"
BULK_NOTHING = "No clients updated"


async def bulk_update_opt_in(
    tx: Transaction, *, principal: Principal, body: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """PUT /clients/bulk: set opt_in on up to 5000 clients, all or nothing (contract 5.6)."""
    business = await common.business_of(tx, principal)
    items = bulk.parse_bulk(body)
    if not items:
        return {"updated": False, "count": 0, "message": BULK_NOTHING}
    found = await bulk_store.live_ids(
        tx, business_uid=business.uid, client_ids=[item.id for item in items], lock=True
    )
    missing = bulk.first_missing(items, found)
    if missing is not None:
        raise missing
    if not business.opt_in_enabled:
        return {"updated": False, "count": 0, "message": BULK_NOTHING}
    for opt_in in (True, False):
        await bulk_store.set_opt_in(
            tx,
            business_uid=business.uid,
            client_ids=[item.id for item in items if item.opt_in is opt_in],
            opt_in=opt_in,
            now=now,
        )
    return {"updated": True, "count": len(items), "message": BULK_DONE}
