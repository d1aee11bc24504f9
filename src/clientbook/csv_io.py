"""CSV import and export of one business's clients (`clientbook clients import|export`).

The command is the edge here: it owns the units (clientbook.store.database). Rows are
applied in batches, one write unit per batch and a SAVEPOINT per row, so each row is
applied whole or not at all and a rejected row never undoes its neighbours
(docs/decisions.md).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from clientbook import ids, service
from clientbook.domain import csv_rows, representations
from clientbook.errors import AppError
from clientbook.store import principals, transfer
from clientbook.store.clients import EmailTaken
from clientbook.store.database import DirectStore, Transaction

BATCH_ROWS = 500


class TransferError(Exception):
    """The file or the business cannot be used at all; nothing was written."""


@dataclass
class ImportReport:
    """What an import did; printed as one JSON object."""

    business_uid: str
    file: str
    dry_run: bool
    rows: int = 0
    imported: int = 0
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "business_uid": self.business_uid,
            "file": self.file,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "imported": self.imported,
            "duplicate_count": len(self.duplicates),
            "rejected_count": len(self.rejected),
            "duplicates": self.duplicates,
            "rejected": self.rejected,
        }


class _DryRun(Exception):
    """Ends a dry run's batch unit so that it is rolled back."""


async def import_clients(
    store: DirectStore,
    *,
    business_uid: str,
    path: Path,
    dry_run: bool,
    progress: TextIO | None,
    batch_rows: int = BATCH_ROWS,
) -> ImportReport:
    """Import a CSV file of POST bodies into a business (dry run: validate, write nothing)."""
    total = _count_rows(path)
    report = ImportReport(business_uid=business_uid, file=str(path), dry_run=dry_run)
    async with store.snapshot() as tx:
        business = await principals.get_business(tx, business_uid=business_uid)
        if business is None:
            raise TransferError(f"unknown business '{business_uid}'")
        known = {
            csv_rows.client_key(email=e, first_name=f, last_name=la, mobile_phone=p)
            async for e, f, la, p in transfer.client_keys(tx, business_uid=business_uid)
        }
    bar = tqdm(total=total, unit="row", file=progress, disable=progress is None)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for batch in _batches(_rows(handle), batch_rows):
            # One write unit per batch: committed (durable) when the unit ends, or, in a
            # dry run, rolled back whole.
            with suppress(_DryRun):
                async with store.writing() as tx:
                    await _import_batch(tx, report, business, batch, known)
                    if dry_run:
                        raise _DryRun
            bar.update(len(batch))
    bar.close()
    return report


async def _import_batch(
    tx: Transaction,
    report: ImportReport,
    business: principals.Business,
    batch: list[tuple[int, dict[str | None, Any]]],
    known: set[tuple[str, ...]],
) -> None:
    """Validate every row, insert the good ones in three statements; if the database
    refuses that (an email taken meanwhile by another writer), insert them one by one,
    each under its own SAVEPOINT."""
    prepared: list[tuple[int, service.ImportedClient]] = []
    for number, cells in batch:
        report.rows += 1
        extra = cells.pop(None, None)
        if extra:
            reason = f"has {len(extra)} more cell(s) than the header has columns"
            report.rejected.append({"row": number, "reason": reason})
            continue
        body = csv_rows.row_body({str(name): value for name, value in cells.items()})
        try:
            row = await service.prepare_import(
                tx, business=business, body=body, now=ids.utcnow(), known=known
            )
        except service.DuplicateRow as duplicate:
            report.duplicates.append({"row": number, "reason": str(duplicate)})
        except AppError as error:
            entry: dict[str, Any] = {"row": number, "reason": error.message}
            errors = getattr(error, "errors", None)
            if errors:
                entry["errors"] = errors
            report.rejected.append(entry)
        else:
            prepared.append((number, row))
    try:
        async with tx.savepoint():
            await service.insert_imported(
                tx, business_uid=business.uid, rows=[row for _, row in prepared]
            )
        report.imported += len(prepared)
        return
    except EmailTaken:
        pass
    for number, row in prepared:
        try:
            async with tx.savepoint():
                await service.insert_imported(tx, business_uid=business.uid, rows=[row])
        except EmailTaken:
            reason = csv_rows.duplicate_reason(row.key)
            report.duplicates.append({"row": number, "reason": reason})
        else:
            report.imported += 1


def _count_rows(path: Path) -> int:
    """Read the whole file once before writing anything: refuse a bad header, an encoding
    that is not UTF-8 or broken CSV up front, and size the progress bar."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            csv_rows.check_header(reader.fieldnames)
            return sum(1 for _ in reader)
    except OSError as error:
        raise TransferError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise TransferError("the file is not UTF-8 text") from None
    except csv.Error as error:
        raise TransferError(f"malformed CSV: {error}") from None
    except csv_rows.HeaderError as error:
        raise TransferError(str(error)) from None


def _rows(handle: TextIO) -> Iterator[tuple[int, dict[str | None, Any]]]:
    """(row number, cells): the header is row 1, as a spreadsheet numbers them."""
    for number, cells in enumerate(csv.DictReader(handle), start=2):
        yield number, dict(cells)


def _batches(
    rows: Iterator[tuple[int, dict[str | None, Any]]], size: int
) -> Iterator[list[tuple[int, dict[str | None, Any]]]]:
    batch: list[tuple[int, dict[str | None, Any]]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


async def export_clients(store: DirectStore, *, business_uid: str, out: TextIO) -> int:
    """Write every live client of the business as CSV (list-item fields); return the count."""
    writer = csv.writer(out)
    count = 0
    async with store.snapshot() as tx:
        if await principals.get_business(tx, business_uid=business_uid) is None:
            raise TransferError(f"unknown business '{business_uid}'")
        writer.writerow(csv_rows.EXPORT_COLUMNS)
        async for view in transfer.iter_live_views(tx, business_uid=business_uid):
            item = representations.list_item(view)
            writer.writerow([csv_rows.export_cell(item[c]) for c in csv_rows.EXPORT_COLUMNS])
            count += 1
    return count
