"""The POST rules of contract 5.1, as a pure function."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clientbook.domain import values
from clientbook.domain.model import DEFAULT_STATUS
from clientbook.domain.validation import Errors
from clientbook.errors import InvalidRequest

CREATE_FIELDS = (
    "first_name", "last_name", "email", "phone", "mobile_phone", "address",
    "custom_field1", "custom_field2", "custom_field3", "opt_in", "opt_in_transactional_sms",
    "source_name", "source_url", "source_channel", "source_campaign", "staff_id", "status",
    "tags", "spam",
)  # fmt: skip
_TEXT = (
    "last_name", "address", "custom_field1", "custom_field2", "custom_field3",
    "source_name", "source_url", "source_channel", "source_campaign", "staff_id",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class NewClient:
    """A validated create request: client columns and the source record's fields."""

    columns: dict[str, Any]
    source_name: str
    source_url: str | None
    source_channel: str | None
    source_campaign: str | None

    @property
    def staff_id(self) -> str | None:
        staff: str | None = self.columns.get("staff_id")
        return staff

    @property
    def email(self) -> str | None:
        address: str | None = self.columns.get("email")
        return address


def parse_create(
    body: Mapping[str, Any], *, principal_kind: str, opt_in_enabled: bool, country: str
) -> NewClient:
    """Validate a POST body into a NewClient; raise the contract's 422 otherwise."""
    for name in body:
        if name not in CREATE_FIELDS:
            raise InvalidRequest(f"unknown attribute '{name}' for Client", field=name)
    errors = Errors()
    columns: dict[str, Any] = {}

    def take(name: str, parse: Any) -> Any:
        raw = body.get(name)
        if values.is_clear_request(raw):
            return None
        try:
            return parse(raw)
        except values.FieldError as error:
            errors.add(name, error.reason)
            return None

    columns["first_name"] = take("first_name", lambda v: values.text("first_name", v))
    if columns["first_name"] is None and "first_name" not in errors.by_field:
        errors.add("first_name", "can't be blank")
    for name in _TEXT:
        columns[name] = take(name, lambda v, n=name: values.text(n, v))
    # `mobile_phone` wins over its alias `phone` when both are sent.
    phone_field = "mobile_phone" if "mobile_phone" in body else "phone"
    columns["mobile_phone"] = take(phone_field, lambda v: values.text(phone_field, v))
    columns["email"] = take("email", values.email)
    columns["status"] = take("status", values.status) or DEFAULT_STATUS
    columns["tags"] = take("tags", values.tags) or []
    columns["opt_in"] = take("opt_in", values.flag)
    columns["spam"] = take("spam", values.flag)
    columns["opt_in_transactional_sms"] = take("opt_in_transactional_sms", values.boolean)
    # The first failing field in the body's order decides the message (docs/decisions.md).
    errors.sort_by(body)
    errors.raise_first()

    if not opt_in_enabled:
        columns["opt_in"] = None
    columns["spam"] = bool(columns["spam"])
    phone = columns["mobile_phone"]
    columns["normalized_phone"] = values.normalized_phone(phone, country)
    columns["phone_digits"] = values.phone_digits(phone)
    source_name = columns.pop("source_name") or f"Initiated by {principal_kind}"
    columns["source"] = source_name
    return NewClient(
        columns=columns,
        source_name=source_name,
        source_url=columns["source_url"],
        source_channel=columns.pop("source_channel"),
        source_campaign=columns.pop("source_campaign"),
    )
