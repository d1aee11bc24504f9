"""Who may act on which business (contract section 2), over the store.

A verified token (auth.decode) and its X-On-Behalf-Of become an `Access` without any SQL;
the store then checks, in the statement that reads or writes (store/direct_sql.py), that
the token is live and may act on that business. `authorize` is that check on its own,
for the use cases whose first statement is not one of those.
"""

from __future__ import annotations

from clientbook.auth import ON_BEHALF_REQUIRED, Principal
from clientbook.errors import Forbidden, Unauthorized
from clientbook.store.database import Access, Transaction
from clientbook.store.principals import TokenRecord


def access_of(token: TokenRecord, on_behalf_of: str | None) -> Access:
    """The business a verified token asks to act on (None: refused by `acting_business`).

    A staff or app token naming another business is refused before any SQL.
    """
    if token.kind == "directory":
        return Access(token, on_behalf_of or None, on_behalf_of)
    if token.kind == "client":
        return Access(token, None, on_behalf_of)
    if on_behalf_of is not None and on_behalf_of != token.business_uid:
        raise Unauthorized
    return Access(token, token.business_uid, on_behalf_of)


async def acting_business(tx: Transaction, access: Access) -> str:
    """The business the request acts on. A token that cannot act on one is refused: a
    client token (403 when live), a directory token without a usable X-On-Behalf-Of."""
    if access.business_uid is not None:
        return access.business_uid
    live = await tx.alive(access)
    if live and access.token.kind == "client":
        raise Forbidden
    if live and access.on_behalf_of is None:
        raise Unauthorized(ON_BEHALF_REQUIRED)
    raise Unauthorized


async def authorize(tx: Transaction, access: Access) -> Principal:
    """The principal and the business it acts on, or 401/403: one statement when the
    token may act (store/direct_sql.business)."""
    business_uid = await acting_business(tx, access)
    if await tx.business(access) is None:
        raise Unauthorized
    token = access.token
    return Principal(kind=token.kind, subject_uid=token.subject_uid, business_uid=business_uid)
