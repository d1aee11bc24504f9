"""Collecting field errors and raising the contract's 422 for the first one."""

from __future__ import annotations

from clientbook.errors import ValidationFailed


class Errors:
    """Field errors in the order found; `raise_first` reports them all in `errors`."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, reason: str) -> None:
        self.by_field.setdefault(field, []).append(reason)

    def raise_first(self) -> None:
        if not self.by_field:
            return
        field, reasons = next(iter(self.by_field.items()))
        error = ValidationFailed(field, reasons[0])
        error.errors = self.by_field
        raise error
