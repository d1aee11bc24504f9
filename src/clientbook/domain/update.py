"""The PUT rules of contract 5.4, as pure functions.

`parse_update` turns a request body into what it asks for (validated, trimmed values
and clear requests), independent of the stored client, so validation (422) is decided
before the client's existence (404). `plan_update` compares that request with the
stored client and returns only the columns that really change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from clientbook.domain import values
from clientbook.domain.model import Client
from clientbook.domain.validation import Errors

# Fields whose clear request (null / blank) is honoured only with force_nullifying.
FORCE_CLEARABLE = ("address", "mobile_phone")
# Fields whose clear request is always ignored: the value is kept.
KEPT_ON_CLEAR: dict[str, Callable[[Any], Any]] = {
    "first_name": lambda v: values.text("first_name", v),
    "last_name": lambda v: values.text("last_name", v),
    "email": values.email,
    "custom_field1": lambda v: values.text("custom_field1", v),
    "custom_field2": lambda v: values.text("custom_field2", v),
    "custom_field3": lambda v: values.text("custom_field3", v),
    "staff_id": lambda v: values.text("staff_id", v),
    "status": values.status,
    "source_name": lambda v: values.text("source_name", v),
    "source_url": lambda v: values.text("source_url", v),
}
FLAGS = ("opt_in", "spam")
# Known but never written by PUT: ignored and named in X-Ignored-Fields.
IGNORED_KNOWN = frozenset(
    {"created_at", "updated_at", "opt_in_transactional_sms", "source_channel", "source_campaign"}
)
# Request field -> client column, where the names differ.
COLUMN = {"source_name": "source", "phone": "mobile_phone"}


@dataclass(slots=True)
class UpdateRequest:
    """What a PUT body asks for: new values by column (None = clear), and ignored fields."""

    values: dict[str, Any] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    @property
    def staff_id(self) -> str | None:
        staff: str | None = self.values.get("staff_id")
        return staff

    @property
    def email(self) -> str | None:
        address: str | None = self.values.get("email")
        return address


def force_nullifying(value: Any) -> bool:
    """On only for JSON `true` or the exact string "true"; anything else is off."""
    return value is True or value == "true"


def parse_update(body: Mapping[str, Any], *, opt_in_enabled: bool) -> UpdateRequest:
    """Validate a PUT body; raise ValidationFailed for the first bad field."""
    request = UpdateRequest()
    errors = Errors()
    force = force_nullifying(body.get("force_nullifying"))
    for name, raw in body.items():
        if name == "force_nullifying":
            continue
        if name == "phone" and "mobile_phone" in body:
            continue  # mobile_phone wins, for clearing too
        try:
            _parse_field(request, name, raw, force=force, opt_in_enabled=opt_in_enabled)
        except values.FieldError as error:
            errors.add(name, error.reason)
    errors.raise_first()
    request.ignored.sort()
    return request


def _parse_field(
    request: UpdateRequest, name: str, raw: Any, *, force: bool, opt_in_enabled: bool
) -> None:
    column = COLUMN.get(name, name)
    if column in FORCE_CLEARABLE:
        if values.is_clear_request(raw):
            if force:
                request.values[column] = None
        else:
            request.values[column] = values.text(name, raw)
    elif name in KEPT_ON_CLEAR:
        if not values.is_clear_request(raw):
            request.values[column] = KEPT_ON_CLEAR[name](raw)
    elif name == "tags":
        if raw is not None:
            request.values["tags"] = values.tags(raw)
    elif name in FLAGS:
        if values.is_clear_request(raw):
            return
        flag = values.flag(raw)
        if name == "spam" or opt_in_enabled:
            request.values[name] = flag
    else:
        request.ignored.append(name)


def plan_update(stored: Client, request: UpdateRequest, *, country: str) -> dict[str, Any]:
    """The columns whose value changes; empty when the PUT changes nothing."""
    changes = {
        column: value for column, value in request.values.items() if stored.value(column) != value
    }
    if "mobile_phone" in changes:
        phone = changes["mobile_phone"]
        changes["normalized_phone"] = values.normalized_phone(phone, country)
        changes["phone_digits"] = values.phone_digits(phone)
    return changes
