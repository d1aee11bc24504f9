"""Parsing and normalising single field values, shared by create, update and bulk.

Every parser raises `FieldError(reason)`; the caller knows the field name.
"""

from __future__ import annotations

import functools
import importlib
import re
from typing import Any

import email_validator
import phonenumbers
from phonenumbers import phonenumberutil
from phonenumbers.phonemetadata import PhoneMetadata

from clientbook.domain.model import STATUSES

# What a phone's digits-equal search ignores: everything but the ASCII digits.
_NOT_DIGITS = re.compile(r"[^0-9]+")

# Character limits of the trimmed values (contract 5.4).
LIMITS: dict[str, int] = {
    "first_name": 255,
    "last_name": 255,
    "source_name": 255,
    "staff_id": 255,
    "email": 254,
    "mobile_phone": 50,
    "phone": 50,
    "address": 1000,
    "custom_field1": 1000,
    "custom_field2": 1000,
    "custom_field3": 1000,
    "source_url": 2048,
    "source_channel": 255,
    "source_campaign": 255,
    "status": 255,
    "tags": 100_000,
}
MAX_TAGS = 100
MAX_TAG_LENGTH = 100

_TRUE_FORMS: tuple[object, ...] = (True, "1", 1, "true")
_FALSE_FORMS: tuple[object, ...] = (False, "0", 0, "false")


class FieldError(ValueError):
    """A value that a field does not accept; `reason` reads after the field's name."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def is_clear_request(value: Any) -> bool:
    """`null` and a string that is empty after trimming ask to clear a field."""
    return value is None or (isinstance(value, str) and not value.strip())


def text(field: str, value: Any) -> str:
    """A trimmed string within the field's limit."""
    if not isinstance(value, str):
        raise FieldError("must be a string")
    trimmed = value.strip()
    if "\x00" in trimmed:  # no caller means it, and PostgreSQL cannot store it
        raise FieldError("is invalid")
    limit = LIMITS[field]
    if len(trimmed) > limit:
        raise FieldError(f"is too long (maximum is {limit} characters)")
    return trimmed


def _keep_domain_checks() -> None:
    """email-validator checks an address's domain against the IDNA tables on every call:
    two thirds of its cost (15 of 22 us), paid again for each client at the same few
    domains. That check depends only on the domain and two settings, so the results for
    the last 1,024 domains are kept. A refused domain raises again each time (lru_cache
    keeps no exception), and the local part and the lengths are checked on every call.
    `validate_email` reads the kept result and never changes it (email-validator 2.4.0,
    pinned; tests/unit/test_values.py checks the verdicts)."""
    checks = importlib.import_module("email_validator.validate_email")
    check = checks.validate_email_domain_name
    if not hasattr(check, "cache_info"):
        setattr(checks, "validate_email_domain_name", functools.lru_cache(maxsize=1024)(check))  # noqa: B010


_keep_domain_checks()


def email(value: Any) -> str:
    """A syntactically valid address (no DNS look-up), trimmed, as written."""
    address = text("email", value)
    try:
        email_validator.validate_email(address, check_deliverability=False)
    except email_validator.EmailNotValidError:
        raise FieldError("is invalid") from None
    return address


def status(value: Any) -> str:
    word = text("status", value)
    if word not in STATUSES:
        raise FieldError("is not included in the list")
    return word


def flag(value: Any) -> bool:
    """opt_in / spam forms: true, false, "1", "0", 1, 0, "true", "false"."""
    # bool is checked by identity first: True == 1 in Python, 1.0 is not accepted.
    if value is True or value is False:
        return value
    if isinstance(value, float):
        raise FieldError("is invalid")
    if value in _TRUE_FORMS:
        return True
    if value in _FALSE_FORMS:
        return False
    raise FieldError("is invalid")


def tags(value: Any) -> list[str]:
    """Comma-separated labels: trimmed, empties dropped, case-insensitive duplicates dropped."""
    if not isinstance(value, str):
        raise FieldError("must be a string")
    labels: list[str] = []
    seen: set[str] = set()
    for raw in value.split(","):
        label = raw.strip()
        key = label.casefold()
        if not label or key in seen:
            continue
        if len(label) > MAX_TAG_LENGTH:
            raise FieldError(
                f"has a label that is too long (maximum is {MAX_TAG_LENGTH} characters)"
            )
        seen.add(key)
        labels.append(label)
    if len(labels) > MAX_TAGS:
        raise FieldError(f"are too many (maximum is {MAX_TAGS})")
    return labels


def union_tags(*lists: list[str]) -> list[str]:
    """Tags of several clients in order, duplicates dropped ignoring case."""
    return tags(",".join(label for labels in lists for label in labels)) if lists else []


def boolean(value: Any) -> bool:
    """A strict JSON boolean (create's `opt_in_transactional_sms`)."""
    if value is True or value is False:
        return value
    raise FieldError("must be a boolean")


def _classify_once() -> None:
    """phonenumbers' `is_valid_number` classifies a number of a calling code that several
    regions share (+1: the US, Canada, the Caribbean) twice with the same arguments: once
    to find its region, once to check it there (`_number_type_helper`, a pure function of
    the national number and the region's metadata, read-only once loaded): 8 of its 16
    us. The last answer is kept and the second call reads it. One answer, for the last
    arguments, replaced whole (threads see an old or a new one, never a mix); phonenumbers
    9.0.43, pinned; tests/unit/test_values.py compares every result with the library's
    own."""
    helper = phonenumberutil._number_type_helper
    if getattr(helper, "remembers", False):
        return
    last: list[tuple[str, PhoneMetadata | None, int]] = [("", None, 0)]

    def number_type(national_number: str, metadata: PhoneMetadata) -> int:
        seen = last[0]
        if seen[1] is metadata and seen[0] == national_number:
            return seen[2]
        kind = helper(national_number, metadata)
        last[0] = (national_number, metadata, kind)
        return kind

    number_type.remembers = True  # type: ignore[attr-defined]
    number_type.__wrapped__ = helper  # type: ignore[attr-defined]
    phonenumberutil._number_type_helper = number_type


_classify_once()


def normalized_phone(mobile_phone: str | None, country: str) -> str | None:
    """E.164 form when the number is valid for the business's country, else None."""
    if not mobile_phone:
        return None
    try:
        number = phonenumbers.parse(mobile_phone, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def phone_digits(mobile_phone: str | None) -> str | None:
    """The digits of a phone, for the digits-equal search."""
    if not mobile_phone:
        return None
    digits = _NOT_DIGITS.sub("", mobile_phone)
    return digits or None
