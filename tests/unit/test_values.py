"""Single field values: clear requests, text, flags, phones (no I/O)."""

from __future__ import annotations

import importlib
from typing import Any
from unittest import mock

import email_validator
import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonenumbers import phonenumberutil

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


# Emails: email-validator's domain check is kept per domain (values._keep_domain_checks).
_DOMAINS = ["example.com", "bench.example", "xn--bcher-kva.example", "bücher.example",
            "localhost", "-bad.com", "ab--cd.com", "a_b.com", "test", "x." + "y" * 63 + ".com",
            "y" * 64 + ".com", "com", "1.2.3.4", "[1.2.3.4]", "mail.test", "é.fr"]  # fmt: skip
_LOCALS = st.text(alphabet='ab.+_-é"@ ', min_size=0, max_size=70)


def _verdict(address: str) -> bool:
    try:
        values.email(address)
    except values.FieldError:
        return False
    return True


def test_a_refused_domain_is_refused_again() -> None:
    for _ in range(2):
        for address in ("a@localhost", "a@-bad.com", "a@ab--cd.com", "a@mail.test"):
            assert not _verdict(address), address


def test_a_known_domain_does_not_let_a_bad_local_part_or_length_through() -> None:
    assert _verdict("a@example.com")
    assert not _verdict("a..b@example.com")
    assert not _verdict("a b@example.com")
    domain = ".".join(["d" * 60] * 4) + ".com"  # 247 characters
    assert _verdict("a@" + domain)
    assert not _verdict("a" * 10 + "@" + domain)  # 258 characters: past 254


@given(local=_LOCALS, domain=st.sampled_from(_DOMAINS))
def test_an_address_gets_the_verdict_of_email_validator_without_the_kept_checks(
    local: str, domain: str
) -> None:
    address = f"{local}@{domain}"
    kept = _verdict(address), _verdict(address)  # the second reads the kept check
    checks = importlib.import_module("email_validator.validate_email")
    plain_check = checks.validate_email_domain_name.__wrapped__
    with mock.patch.object(checks, "validate_email_domain_name", plain_check):
        try:
            email_validator.validate_email(address.strip(), check_deliverability=False)
            plain = True
        except email_validator.EmailNotValidError:
            plain = False
    if address.strip() and len(address.strip()) <= values.LIMITS["email"]:
        assert kept == (plain, plain)


# National numbers that several calling codes share: a kept answer must be the right
# region's (the +1 regions share one code; +44 and +33 are one region each).
_PHONE = st.tuples(
    st.sampled_from(["+1 ", "+44 ", "+33 ", "+1-876-", "+1 242 ", "("]),
    st.text("0123456789", min_size=2, max_size=12),
)


@given(
    phones=st.lists(_PHONE, min_size=1, max_size=6),
    country=st.sampled_from(["US", "CA", "JM", "BS", "GB", "FR", "IL", "BR"]),
)
def test_a_phone_gets_the_verdicts_of_phonenumbers_without_the_kept_classification(
    phones: list[tuple[str, str]], country: str
) -> None:
    helper = phonenumberutil._number_type_helper
    assert getattr(helper, "remembers", False)
    raws = [prefix + digits + (")" if prefix == "(" else "") for prefix, digits in phones]
    kept = [values.normalized_phone(raw, country) for raw in raws]
    kept_valid = [_is_valid(raw, country) for raw in raws]
    unkept = helper.__wrapped__  # type: ignore[attr-defined]
    with mock.patch.object(phonenumberutil, "_number_type_helper", unkept):
        assert [values.normalized_phone(raw, country) for raw in raws] == kept
        assert [_is_valid(raw, country) for raw in raws] == kept_valid


def _is_valid(raw: str, country: str) -> bool | None:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(raw, country))
    except phonenumbers.NumberParseException:
        return None


@pytest.mark.parametrize(
    ("phone", "expected"),
    [("+1 212 209 1664", "+12122091664"), ("+1 876 927 1234", "+18769271234"),
     ("+1 999 209 1664", None)],
)  # fmt: skip
def test_a_number_of_a_shared_calling_code_is_checked_in_its_own_region(
    phone: str, expected: str | None
) -> None:
    for _ in range(2):  # the second time, from the kept answer
        assert values.normalized_phone(phone, "US") == expected
