"""Use cases: merge candidates and merging clients (contract 5.7)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from clientbook.auth import Principal
from clientbook.domain import merging, representations
from clientbook.domain.model import Client
from clientbook.errors import ContactNotFound
from clientbook.service import common
from clientbook.store import clients as client_store
from clientbook.store import deletion as deletion_store
from clientbook.store import merges as merge_store
from clientbook.store.database import Transaction


async def _merge_parties(
    tx: Transaction, *, business_uid: str, client_ids: list[str], lock: bool
) -> dict[str, Client]:
    """The named clients, or 404 `This contact doesn't exist` for the first missing one."""
    found = await merge_store.get_clients(
        tx, business_uid=business_uid, client_ids=client_ids, for_update=lock
    )
    if any(uid not in found for uid in client_ids):
        raise ContactNotFound
    return found


async def possible_merge_masters(
    tx: Transaction, *, principal: Principal, params: Mapping[str, str]
) -> dict[str, Any]:
    """GET merges/possible_merge_master: the given ids whose client has at most one matter."""
    client_ids = merging.parse_candidates(params)
    business_uid = principal.business_uid
    await _merge_parties(tx, business_uid=business_uid, client_ids=client_ids, lock=False)
    counts = await merge_store.matter_counts(tx, business_uid=business_uid, client_ids=client_ids)
    masters = [uid for uid in client_ids if merging.can_be_master(counts.get(uid, 0))]
    return {"master_ids": masters}


async def merge_clients(
    tx: Transaction, *, principal: Principal, params: Mapping[str, str], now: datetime
) -> dict[str, Any]:
    """PUT merges/merge_clients: fold the sources into the master, all or nothing (5.7)."""
    request = merging.parse_merge(params)
    business_uid = principal.business_uid
    found = await _merge_parties(
        tx, business_uid=business_uid, client_ids=request.all_ids, lock=True
    )
    counts = await merge_store.matter_counts(
        tx, business_uid=business_uid, client_ids=request.all_ids
    )
    merging.check_matters(request, counts)
    changes = merging.merge_changes(
        found[request.master_id], [found[uid] for uid in request.source_ids]
    )
    staff = changes.get("staff_id")
    if staff is not None and not await tx.staff_exists(business_uid, staff):
        del changes["staff_id"]  # a source's staff member was removed: the master stays unassigned
    changes["updated_at"] = now
    await merge_store.move_matters(
        tx, business_uid=business_uid, from_ids=request.source_ids, to_id=request.master_id
    )
    # The sources go first: their emails are freed before the master may take one.
    await deletion_store.soft_delete_clients(
        tx, business_uid=business_uid, client_ids=request.source_ids, now=now
    )
    await client_store.update_client(
        tx, business_uid=business_uid, client_id=request.master_id, changes=changes
    )
    view = await common.live_view(tx, principal=principal, client_id=request.master_id)
    return {"master_ids": [request.master_id], "clients": [representations.single(view)]}
