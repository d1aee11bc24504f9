"""Use case: list and search a business's clients (contract 5.2)."""

from __future__ import annotations

from typing import Any

from clientbook.auth import Principal
from clientbook.domain import listing, representations
from clientbook.service import common
from clientbook.store import search as search_store
from clientbook.store.database import Transaction


async def list_clients(
    tx: Transaction, *, principal: Principal, query: listing.ListQuery
) -> dict[str, Any]:
    """GET /clients: one page of live clients in creation order (contract 5.2)."""
    business = await common.business_of(tx, principal)
    term, by = query.search_term, query.search_by
    phone = listing.phone_term(term, country=business.country) if by == "phone" and term else None
    filters = search_store.Filters(
        email=term if by == "email" else None,
        uid=term if by == "uid" else None,
        phone_search=phone is not None,
        phone_digits=phone.digits if phone else None,
        phone_e164=phone.e164 if phone else None,
        substring=listing.like_pattern(term) if term is not None and by is None else None,
        updated_since=listing.updated_since(query),
        updated_until=query.updated_to,
        phone_exists=query.phone_exists,
    )
    views = await search_store.list_clients(
        tx,
        business_uid=business.uid,
        filters=filters,
        offset=query.offset,
        limit=query.per_page,
    )
    return {"clients": [representations.list_item(view) for view in views]}
