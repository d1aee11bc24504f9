"""The stored shapes the rules work on.

The shapes a read builds on every request (Client, SourceRecord, Matter, ClientView)
are plain slotted dataclasses, not frozen ones: a frozen dataclass's `__init__` sets
each field through `object.__setattr__`, 4.8 us for a Client's 23 fields against 0.5 us
(docs/performance.md). The rules never change one in place; they make a new one
(`dataclasses.replace`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

STATUSES = ("lead", "customer", "loyal", "inactive")
DEFAULT_STATUS = "lead"
MATTER_TERM = "clients"


@dataclass(slots=True)
class Client:
    """One row of `clients` as the rules see it."""

    business_uid: str
    id: str
    first_name: str | None
    last_name: str | None = None
    email: str | None = None
    mobile_phone: str | None = None
    normalized_phone: str | None = None
    phone_digits: str | None = None
    address: str | None = None
    status: str = DEFAULT_STATUS
    tags: list[str] = field(default_factory=list)
    opt_in: bool | None = None
    opt_in_transactional_sms: bool | None = None
    spam: bool = False
    source: str | None = None
    source_url: str | None = None
    custom_field1: str | None = None
    custom_field2: str | None = None
    custom_field3: str | None = None
    staff_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None

    def value(self, column: str) -> Any:
        return getattr(self, column)


@dataclass(slots=True)
class SourceRecord:
    """Where a client came from; written by create only."""

    uid: str
    name: str | None
    url: str | None
    channel: str | None
    campaign: str | None


@dataclass(slots=True)
class Matter:
    uid: str
    display_name: str
    fields: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class ClientView:
    """A client with what its reads join in: the source record and the matters."""

    client: Client
    source: SourceRecord | None
    matters: list[Matter]


def matter_display_name(first_name: str | None, last_name: str | None) -> str:
    """`<first> <last>`, or just the first name when there is no last name."""
    parts = [part for part in (first_name, last_name) if part]
    return " ".join(parts)
