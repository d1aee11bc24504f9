"""The bulk opt-in request of contract 5.6, parsed by a pure function.

Every item is checked before anything is written: the request is applied whole or
refused whole. The checks run in this order: the list's size (first, per the
contract), then each item in order (its shape, its fields, its id, its opt_in), then
duplicate ids. Whether the ids exist is the service's to check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clientbook.domain import values
from clientbook.errors import InvalidRequest, ValidationFailed

MAX_ITEMS = 5000
TOO_MANY = f"Too many clients: at most {MAX_ITEMS} per request"
ONLY_OPT_IN = "Only 'opt_in' field is allowed in bulk updates"
ALLOWED = frozenset({"id", "opt_in"})
NOT_FOUND_REASON = "does not exist"


@dataclass(frozen=True, slots=True)
class BulkItem:
    id: str
    opt_in: bool


def parse_bulk(body: Mapping[str, Any]) -> list[BulkItem]:
    """Validate a bulk body into its items; raise the contract's 422 for the first fault."""
    if "clients" not in body or body["clients"] is None:
        raise ValidationFailed("clients", "can't be blank")
    raw = body["clients"]
    if not isinstance(raw, list):
        raise ValidationFailed("clients", "must be a list")
    if len(raw) > MAX_ITEMS:
        raise InvalidRequest(TOO_MANY, field="clients")
    items = [_item(index, entry) for index, entry in enumerate(raw)]
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.id in seen:
            raise item_error(index, "id", "is duplicated")
        seen.add(item.id)
    return items


def item_error(index: int, name: str, reason: str) -> ValidationFailed:
    """A 422 on a field of an item: `errors` key `clients[3].opt_in`, message
    `Validation failed: Clients[3].opt_in <reason>`."""
    return ValidationFailed(f"clients[{index}].{name}", reason, label=f"Clients[{index}].{name}")


def _item(index: int, entry: Any) -> BulkItem:
    if not isinstance(entry, dict):
        raise ValidationFailed(f"clients[{index}]", "must be an object", label=f"Clients[{index}]")
    if any(name not in ALLOWED for name in entry):
        raise InvalidRequest(ONLY_OPT_IN, field=f"clients[{index}]")
    client_id = entry.get("id")
    if client_id is None or client_id == "":
        raise item_error(index, "id", "can't be blank")
    if not isinstance(client_id, str):
        raise item_error(index, "id", "must be a string")
    raw = entry.get("opt_in")
    if values.is_clear_request(raw):  # missing, null or blank: there is nothing to apply
        raise item_error(index, "opt_in", "can't be blank")
    try:
        opt_in = values.flag(raw)
    except values.FieldError as error:
        raise item_error(index, "opt_in", error.reason) from None
    return BulkItem(id=client_id, opt_in=opt_in)


def first_missing(items: list[BulkItem], found: set[str]) -> ValidationFailed | None:
    """The 422 for the first item whose id is not a live client of the business."""
    for index, item in enumerate(items):
        if item.id not in found:
            return item_error(index, "id", NOT_FOUND_REASON)
    return None
