"""The POST rules of contract 5.1 as a pure function (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from clientbook.domain.create import NewClient, parse_create
from clientbook.errors import InvalidRequest, ValidationFailed


def parse(body: dict[str, Any], *, kind: str = "staff", opt_in_enabled: bool = True) -> NewClient:
    return parse_create(body, principal_kind=kind, opt_in_enabled=opt_in_enabled, country="US")


def rejected(body: dict[str, Any]) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        parse(body)
    return caught.value


@pytest.mark.parametrize("body", [{}, {"first_name": None}, {"first_name": "  "}])
def test_first_name_missing_null_or_blank_is_rejected(body: dict[str, Any]) -> None:
    assert str(rejected(body)) == "Validation failed: First name can't be blank"


def test_unknown_attribute_is_rejected_before_any_other_field() -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse({"email": "bad", "nickname": "x"})
    assert str(caught.value) == "unknown attribute 'nickname' for Client"


@pytest.mark.parametrize("kind", ["staff", "app", "directory"])
def test_source_label_defaults_to_initiated_by_the_token_kind(kind: str) -> None:
    new = parse({"first_name": "Ada"}, kind=kind)
    assert new.source_name == f"Initiated by {kind}"
    assert new.columns["source"] == f"Initiated by {kind}"


def test_source_fields_go_to_the_source_record() -> None:
    new = parse(
        {
            "first_name": "Ada",
            "source_name": " Fair ",
            "source_url": "https://x.example",
            "source_channel": "web",
            "source_campaign": "spring",
        }
    )
    assert (new.source_name, new.source_url, new.source_channel, new.source_campaign) == (
        "Fair",
        "https://x.example",
        "web",
        "spring",
    )
    assert new.columns["source"] == "Fair"
    assert "source_channel" not in new.columns


def test_phone_is_stored_as_mobile_phone_and_mobile_phone_wins() -> None:
    assert parse({"first_name": "A", "phone": "212 555 0100"}).columns["mobile_phone"] == (
        "212 555 0100"
    )
    both = parse({"first_name": "A", "phone": "1", "mobile_phone": "(415) 555-2671"}).columns
    assert both["mobile_phone"] == "(415) 555-2671"
    assert both["normalized_phone"] == "+14155552671"


def test_create_defaults_to_lead_no_tags_no_opt_in_and_not_spam() -> None:
    columns = parse({"first_name": "Ada"}).columns
    assert columns["status"] == "lead"
    assert columns["tags"] == []
    assert columns["opt_in"] is None
    assert columns["spam"] is False


def test_opt_in_is_stored_null_when_the_business_has_opt_in_disabled() -> None:
    assert (
        parse({"first_name": "A", "opt_in": True}, opt_in_enabled=False).columns["opt_in"] is None
    )


def test_opt_in_transactional_sms_must_be_a_boolean() -> None:
    assert parse({"first_name": "A", "opt_in_transactional_sms": True}).columns[
        "opt_in_transactional_sms"
    ]
    error = rejected({"first_name": "A", "opt_in_transactional_sms": "1"})
    assert error.errors == {"opt_in_transactional_sms": ["must be a boolean"]}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"email": "nope"}, "Validation failed: Email is invalid"),
        ({"status": "vip"}, "Validation failed: Status is not included in the list"),
        ({"last_name": 5}, "Validation failed: Last name must be a string"),
        (
            {"tags": "a" * 101},
            "Validation failed: Tags has a label that is too long (maximum is 100 characters)",
        ),
        ({"opt_in": "yes"}, "Validation failed: Opt in is invalid"),
        (
            {"source_channel": "c" * 256},
            "Validation failed: Source channel is too long (maximum is 255 characters)",
        ),
    ],
)
def test_shared_fields_are_validated_as_in_update(body: dict[str, Any], message: str) -> None:
    assert str(rejected({"first_name": "Ada", **body})) == message


def test_first_failing_field_in_body_order_decides_the_message() -> None:
    error = rejected({"status": "vip", "email": "bad", "first_name": " "})
    assert str(error) == "Validation failed: Status is not included in the list"
    assert list(error.errors) == ["status", "email", "first_name"]


def test_missing_first_name_is_reported_after_the_fields_of_the_body() -> None:
    error = rejected({"email": "bad"})
    assert str(error) == "Validation failed: Email is invalid"
    assert list(error.errors) == ["email", "first_name"]
