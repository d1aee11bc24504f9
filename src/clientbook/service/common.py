"""Helpers shared by the use cases: the acting business, staff checks, views, new records."""

from __future__ import annotations

from clientbook import ids
from clientbook.auth import Principal
from clientbook.domain.create import NewClient
from clientbook.domain.model import ClientView, Matter, SourceRecord, matter_display_name
from clientbook.errors import EntityNotFound, ValidationFailed
from clientbook.store import clients as client_store
from clientbook.store import principals
from clientbook.store.database import Transaction


async def business_of(tx: Transaction, principal: Principal) -> principals.Business:
    """The business the principal acts on."""
    business = await principals.get_business(tx, business_uid=principal.business_uid)
    if business is None:  # a token's business is checked by authenticate; defensive
        raise EntityNotFound
    return business


async def check_staff(tx: Transaction, *, business_uid: str, staff_id: str | None) -> None:
    """422 unless `staff_id` is absent or a live staff member of the business."""
    if staff_id is not None and not await tx.staff_exists(business_uid, staff_id):
        raise ValidationFailed("staff_id", "is invalid")


async def live_view(tx: Transaction, *, principal: Principal, client_id: str) -> ClientView:
    """A live client of the principal's business with its source and matters, or 404."""
    view = await client_store.get_view(tx, business_uid=principal.business_uid, client_id=client_id)
    if view is None:
        raise EntityNotFound
    return view


def new_source_record(new: NewClient) -> SourceRecord:
    """The source record a new client is created with."""
    return SourceRecord(
        uid=ids.new_uid(),
        name=new.source_name,
        url=new.source_url,
        channel=new.source_channel,
        campaign=new.source_campaign,
    )


def default_matter(new: NewClient) -> Matter:
    """The default matter every new client gets."""
    columns = new.columns
    return Matter(
        uid=ids.new_uid(),
        display_name=matter_display_name(columns["first_name"], columns.get("last_name")),
    )
