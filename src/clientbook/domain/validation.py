"""Collecting field errors and raising the contract's 422 for the first one."""

from __future__ import annotations

from collections.abc import Iterable

from clientbook.errors import ValidationFailed


class Errors:
    """Field errors in the order found; `raise_first` reports them all in `errors`."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, reason: str) -> None:
        self.by_field.setdefault(field, []).append(reason)

    def sort_by(self, order: Iterable[str]) -> None:
        """Put the fields named in `order` (the body's keys) first, in that order."""
        rank = {name: index for index, name in enumerate(order)}
        self.by_field = dict(
            sorted(self.by_field.items(), key=lambda item: rank.get(item[0], len(rank)))
        )

    def raise_first(self) -> None:
        if not self.by_field:
            return
        field, reasons = next(iter(self.by_field.items()))
        error = ValidationFailed(field, reasons[0])
        error.errors = self.by_field
        raise error
