"""Use cases behind CSV import: one row's rules, and inserting prepared rows in bulk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clientbook import ids
from clientbook.domain import csv_rows
from clientbook.domain.create import NewClient, parse_create
from clientbook.service import common
from clientbook.store import principals
from clientbook.store import transfer as transfer_store
from clientbook.store.database import Transaction


class DuplicateRow(Exception):
    """An imported row is a client that is already there (docs/decisions.md)."""


IMPORT_PRINCIPAL_KIND = "import"  # source label "Initiated by import"


@dataclass(frozen=True, slots=True)
class ImportedClient:
    """A CSV row that passed the POST rules and is not a duplicate, ready to insert."""

    new: NewClient
    key: tuple[str, ...]
    now: datetime


async def prepare_import(
    tx: Transaction,
    *,
    business: principals.Business,
    body: Mapping[str, Any],
    now: datetime,
    known: set[tuple[str, ...]],
) -> ImportedClient:
    """CSV import of one row: the POST rules (5.1), then the duplicate rule.

    `known` holds the dedupe keys of the business's clients and of the rows prepared so
    far; the row's key is added. Raises AppError (rejected) or DuplicateRow.
    """
    new = parse_create(
        body,
        principal_kind=IMPORT_PRINCIPAL_KIND,
        opt_in_enabled=business.opt_in_enabled,
        country=business.country,
    )
    await common.check_staff(tx, business_uid=business.uid, staff_id=new.staff_id)
    key = csv_rows.dedupe_key(new)
    if key in known:
        raise DuplicateRow(csv_rows.duplicate_reason(key))
    known.add(key)
    return ImportedClient(new=new, key=key, now=now)


async def insert_imported(
    tx: Transaction, *, business_uid: str, rows: Sequence[ImportedClient]
) -> None:
    """Insert prepared rows with their source records and default matters, in three
    statements (no client tokens: an import has nobody to hand them to).

    Raises client_store.EmailTaken when the live-email index refuses one of them.
    """
    clients, sources, matters = [], [], []
    for row in rows:
        client_id = ids.new_uid()
        clients.append((client_id, row.new.columns, row.now))
        sources.append((client_id, common.new_source_record(row.new), row.now))
        matters.append((client_id, common.default_matter(row.new), row.now))
    await transfer_store.insert_clients(
        tx, business_uid=business_uid, clients=clients, sources=sources, matters=matters
    )
