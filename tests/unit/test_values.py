"""Single field values: clear requests, text, flags, phones (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientbook.domain import values


@pytest.mark.parametrize("value", [None, "", " ", "\t \n"])
def test_null_and_blank_strings_are_clear_requests(value: Any) -> None:
    assert values.is_clear_request(value)


@pytest.mark.parametrize("value", ["a", 0, False, [], {}])
def test_other_values_are_not_clear_requests(value: Any) -> None:
    assert not values.is_clear_request(value)


@given(st.text(alphabet=st.characters(exclude_characters="\x00"), max_size=1000))
def test_text_is_trimmed(raw: str) -> None:
    assert values.text("address", raw) == raw.strip()


@pytest.mark.parametrize("raw", ["\x00", "a\x00b", " \x00 "])
def test_text_with_a_nul_is_invalid(raw: str) -> None:
    # PostgreSQL cannot store a NUL; refused on both backends alike.
    with pytest.raises(values.FieldError, match="is invalid"):
        values.text("address", raw)


@pytest.mark.parametrize(
    ("phone", "country", "expected"),
    [
        ("(415) 555-2671", "US", "+14155552671"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("12345", "US", None),
        ("not a phone", "US", None),
        (None, "US", None),
        ("", "US", None),
    ],
)
def test_normalized_phone_is_e164_for_the_country_or_none(
    phone: str | None, country: str, expected: str | None
) -> None:
    assert values.normalized_phone(phone, country) == expected


def test_phone_digits_keeps_only_digits() -> None:
    assert values.phone_digits("+1 (415) 555-2671") == "14155552671"
    assert values.phone_digits("call me") is None
    assert values.phone_digits(None) is None


def test_union_tags_keeps_first_spelling() -> None:
    assert values.union_tags(["a", "B"], ["b", "c"]) == ["a", "B", "c"]
    assert values.union_tags() == []
