"""The client representations of contract section 4, in their exact field order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from clientbook.domain.model import MATTER_TERM, Client, ClientView, SourceRecord


def timestamp(moment: datetime | None) -> str | None:
    """UTC, written `YYYY-MM-DDTHH:MM:SSZ`."""
    return None if moment is None else moment.isoformat(timespec="seconds") + "Z"


def opt_in(value: bool | None) -> str | None:
    return None if value is None else ("1" if value else "0")


def single(view: ClientView) -> dict[str, Any]:
    """GET one and DELETE."""
    client, source = view.client, view.source
    body = _read_head(client, source)
    body["matters"] = [
        {"uid": m.uid, "display_name": m.display_name, "fields": m.fields} for m in view.matters
    ]
    body["matter_term"] = MATTER_TERM
    body["normalized_phone"] = client.normalized_phone
    body["spam"] = client.spam
    body["staff_id"] = client.staff_id
    return body


def list_item(view: ClientView) -> dict[str, Any]:
    """An item of GET list: single without matters, with business_uid."""
    client = view.client
    body = _read_head(client, view.source)
    body["business_uid"] = client.business_uid
    body["normalized_phone"] = client.normalized_phone
    body["spam"] = client.spam
    body["staff_id"] = client.staff_id
    return body


def _read_head(client: Client, source: SourceRecord | None) -> dict[str, Any]:
    return {
        "id": client.id,
        "first_name": client.first_name,
        "last_name": client.last_name,
        "mobile_phone": client.mobile_phone,
        "email": client.email,
        "address": client.address,
        "created_at": timestamp(client.created_at),
        "updated_at": timestamp(client.updated_at),
        "customer_status": client.status,
        "tags": list(client.tags),
        "opt_in": opt_in(client.opt_in),
        "source": client.source,
        "source_url": source.url if source else None,
        "channel": source.channel if source else None,
        "campaign": source.campaign if source else None,
        "custom_field1": client.custom_field1,
        "custom_field2": client.custom_field2,
        "custom_field3": client.custom_field3,
    }


def update(client: Client) -> dict[str, Any]:
    """The PUT response."""
    return {
        "address": client.address,
        "created_at": timestamp(client.created_at),
        "customer_status": client.status,
        "email": client.email,
        "first_name": client.first_name,
        "id": client.id,
        "last_name": client.last_name,
        "mobile_phone": client.mobile_phone,
        "opt_in": opt_in(client.opt_in),
        "spam": client.spam,
        "tags": list(client.tags),
        "updated_at": timestamp(client.updated_at),
    }


def create(client: Client, source: SourceRecord) -> dict[str, Any]:
    """The POST response, with the source record as `source_data`."""
    body = update(client)
    body.pop("updated_at")
    body.pop("spam")
    body.pop("tags")
    body["source_data"] = {
        "campaign": source.campaign,
        "channel": source.channel,
        "name": source.name,
        "website_url": source.url,
    }
    body["spam"] = client.spam
    body["tags"] = list(client.tags)
    body["updated_at"] = timestamp(client.updated_at)
    return body
