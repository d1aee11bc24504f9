"""CSV import and export rules, as pure functions (docs/decisions.md, "CSV import/export").

A CSV row is a POST body whose values are all strings: the header names POST fields, an
empty cell means the field is absent, and the row is validated by the POST rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from clientbook.domain.create import CREATE_FIELDS, NewClient

# Cells of this boolean field are written as text; these spellings are read as booleans.
_BOOLEAN_CELLS = {"true": True, "1": True, "false": False, "0": False}

# The list-item representation (contract section 4), in its order.
EXPORT_COLUMNS = (
    "id", "first_name", "last_name", "mobile_phone", "email", "address", "created_at",
    "updated_at", "customer_status", "tags", "opt_in", "source", "source_url", "channel",
    "campaign", "custom_field1", "custom_field2", "custom_field3", "business_uid",
    "normalized_phone", "spam", "staff_id",
)  # fmt: skip


class HeaderError(ValueError):
    """The file cannot be imported at all (nothing is written)."""


def check_header(columns: Sequence[str] | None) -> None:
    """Refuse a file whose header is missing, has no first_name, names an unknown field
    (a typo would silently drop a column of data) or names one twice."""
    if not columns:
        raise HeaderError("the file is empty: a header row of POST field names is required")
    unknown = [c for c in columns if c not in CREATE_FIELDS]
    if unknown:
        fields = ", ".join(CREATE_FIELDS)
        raise HeaderError(f"unknown column '{unknown[0]}': columns must be POST fields ({fields})")
    repeated = sorted({c for c in columns if list(columns).count(c) > 1})
    if repeated:
        raise HeaderError(f"column '{repeated[0]}' appears more than once")
    if "first_name" not in columns:
        raise HeaderError("a first_name column is required")


def row_body(cells: Mapping[str, str | None]) -> dict[str, Any]:
    """The POST body a row stands for: empty cells are absent fields."""
    body: dict[str, Any] = {}
    for name, cell in cells.items():
        if cell is None or cell.strip() == "":
            continue
        if name == "opt_in_transactional_sms":
            body[name] = _BOOLEAN_CELLS.get(cell.strip().lower(), cell)
        else:
            body[name] = cell
    return body


def dedupe_key(new: NewClient) -> tuple[str, ...]:
    """What makes an imported row the same client as one already there.

    With an email: the email, case-insensitively (the contract's uniqueness rule).
    Without: first name, last name and mobile phone, case-insensitively.
    """
    email = new.columns.get("email")
    if email:
        return ("email", email.casefold())
    return client_key(
        email=None,
        first_name=new.columns.get("first_name"),
        last_name=new.columns.get("last_name"),
        mobile_phone=new.columns.get("mobile_phone"),
    )


def client_key(
    *, email: str | None, first_name: str | None, last_name: str | None, mobile_phone: str | None
) -> tuple[str, ...]:
    """dedupe_key of a stored client."""
    if email:
        return ("email", email.casefold())
    return (
        "name-phone",
        (first_name or "").casefold(),
        (last_name or "").casefold(),
        mobile_phone or "",
    )


def duplicate_reason(key: tuple[str, ...]) -> str:
    if key[0] == "email":
        return "duplicate: a client with this email already exists"
    return "duplicate: a client without email with this first name, last name and phone exists"


def export_cell(value: Any) -> str:
    """A list-item value as CSV text: null is empty, tags are comma-separated (as POST
    reads them), booleans are true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
