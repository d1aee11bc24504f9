"""What a soft delete (contract 5.5) does to a client, as a pure function.

store.deletion applies the same rule to many rows in one statement.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from clientbook.domain.model import Client

DELETED_STATUS = "inactive"


def deleted_email(email: str | None, client_id: str) -> str | None:
    """`<email>.d<client id>`: frees the address for another client of the business."""
    return None if email is None else f"{email}.d{client_id}"


def deleted(client: Client, *, now: datetime) -> Client:
    """The client as a soft delete leaves it."""
    return dataclasses.replace(
        client,
        status=DELETED_STATUS,
        email=deleted_email(client.email, client.id),
        deleted_at=now,
        updated_at=now,
    )
