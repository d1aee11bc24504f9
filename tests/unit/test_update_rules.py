"""The PUT table of contract 5.4, row by row, as pure functions (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientbook.domain.model import Client
from clientbook.domain.update import UpdateRequest, force_nullifying, parse_update, plan_update
from clientbook.errors import ValidationFailed

STORED = Client(
    business_uid="b" * 16,
    id="c" * 16,
    first_name="Ada",
    last_name="Lovelace",
    email="ada@example.com",
    mobile_phone="+1 212 555 0100",
    normalized_phone="+12125550100",
    phone_digits="12125550100",
    address="1 Main St",
    status="customer",
    tags=["vip"],
    opt_in=True,
    spam=False,
    source="Initiated by staff",
    source_url="https://example.com",
    custom_field1="one",
    custom_field2="two",
    custom_field3="three",
    staff_id="s" * 16,
)
CLEARS: list[Any] = [None, "", "   ", "\t\n"]


def parse(body: dict[str, Any], *, opt_in_enabled: bool = True) -> UpdateRequest:
    return parse_update(body, opt_in_enabled=opt_in_enabled)


def changes(body: dict[str, Any], *, stored: Client = STORED, **flags: Any) -> dict[str, Any]:
    return plan_update(stored, parse(body, **flags), country="US")


def rejected(body: dict[str, Any], **flags: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        parse(body, **flags)
    return caught.value


# address, mobile_phone: a clear request clears only with force_nullifying


@pytest.mark.parametrize("field", ["address", "mobile_phone"])
@pytest.mark.parametrize("clear", CLEARS)
def test_force_clearable_field_is_kept_on_clear_without_force_nullifying(
    field: str, clear: Any
) -> None:
    assert changes({field: clear}) == {}


@pytest.mark.parametrize("clear", CLEARS)
def test_address_clears_with_force_nullifying(clear: Any) -> None:
    assert changes({"address": clear, "force_nullifying": True}) == {"address": None}


@pytest.mark.parametrize("clear", CLEARS)
def test_mobile_phone_clear_with_force_nullifying_also_clears_derived_phone_columns(
    clear: Any,
) -> None:
    assert changes({"mobile_phone": clear, "force_nullifying": "true"}) == {
        "mobile_phone": None,
        "normalized_phone": None,
        "phone_digits": None,
    }


def test_setting_mobile_phone_normalises_it_for_the_business_country() -> None:
    planned = plan_update(STORED, parse({"mobile_phone": " (415) 555-2671 "}), country="US")
    assert planned == {
        "mobile_phone": "(415) 555-2671",
        "normalized_phone": "+14155552671",
        "phone_digits": "4155552671",
    }


def test_mobile_phone_that_is_not_valid_for_the_country_has_no_normalized_phone() -> None:
    planned = changes({"mobile_phone": "12345"})
    assert planned["normalized_phone"] is None
    assert planned["phone_digits"] == "12345"


# phone: alias of mobile_phone; mobile_phone wins when both are sent


def test_phone_is_an_alias_of_mobile_phone() -> None:
    assert parse({"phone": "555 0101"}).values == {"mobile_phone": "555 0101"}


def test_phone_clear_request_follows_force_nullifying() -> None:
    assert changes({"phone": None}) == {}
    assert changes({"phone": "", "force_nullifying": True})["mobile_phone"] is None


def test_mobile_phone_wins_over_phone_when_both_are_sent() -> None:
    assert parse({"phone": "111", "mobile_phone": "222"}).values == {"mobile_phone": "222"}
    assert parse({"mobile_phone": "222", "phone": "111"}).values == {"mobile_phone": "222"}


def test_mobile_phone_clear_wins_over_phone_value() -> None:
    body = {"phone": "111", "mobile_phone": None, "force_nullifying": True}
    assert parse(body).values == {"mobile_phone": None}


def test_mobile_phone_clear_without_force_keeps_phone_and_ignores_phone_value() -> None:
    assert changes({"phone": "111", "mobile_phone": ""}) == {}


def test_phone_is_not_looked_at_when_mobile_phone_is_sent() -> None:
    assert parse({"phone": 42, "mobile_phone": "222"}).values == {"mobile_phone": "222"}


def test_phone_of_wrong_type_is_rejected_under_its_own_name() -> None:
    error = rejected({"phone": 42})
    assert error.errors == {"phone": ["must be a string"]}


# fields whose clear request is ignored (value kept)

KEPT = [
    "first_name",
    "last_name",
    "email",
    "custom_field1",
    "custom_field2",
    "custom_field3",
    "staff_id",
    "status",
    "source_name",
    "source_url",
]


@pytest.mark.parametrize("field", KEPT)
@pytest.mark.parametrize("clear", CLEARS)
def test_clear_request_of_kept_field_is_ignored_even_with_force_nullifying(
    field: str, clear: Any
) -> None:
    request = parse({field: clear, "force_nullifying": True})
    assert request.values == {}
    assert request.ignored == []


@pytest.mark.parametrize(
    ("field", "column"),
    [(f, f) for f in KEPT if f not in ("source_name", "status", "email", "staff_id")]
    + [("source_name", "source")],
)
def test_kept_field_is_set_trimmed(field: str, column: str) -> None:
    assert changes({field: "  New value  "}) == {column: "New value"}


def test_source_name_sets_the_source_label_only() -> None:
    assert parse({"source_name": "Fair"}).values == {"source": "Fair"}


# tags


def test_tags_empty_string_clears_all_tags() -> None:
    assert changes({"tags": ""}) == {"tags": []}
    assert changes({"tags": "  "}) == {"tags": []}


def test_tags_null_is_ignored() -> None:
    assert changes({"tags": None}) == {}


def test_tags_are_split_trimmed_and_deduplicated_ignoring_case() -> None:
    assert parse({"tags": " vip, New ,,VIP, new , x "}).values == {"tags": ["vip", "New", "x"]}


def test_tags_replace_the_old_list() -> None:
    assert changes({"tags": "a,b"}) == {"tags": ["a", "b"]}


def test_tags_equal_to_stored_change_nothing() -> None:
    assert changes({"tags": "vip, VIP"}) == {}


def test_tags_over_100_after_dedupe_are_rejected() -> None:
    error = rejected({"tags": ",".join(f"t{i}" for i in range(101))})
    assert str(error) == "Validation failed: Tags are too many (maximum is 100)"


def test_100_distinct_tags_with_duplicates_are_accepted() -> None:
    labels = [f"t{i}" for i in range(100)]
    raw = ",".join(labels + [label.upper() for label in labels])
    assert parse({"tags": raw}).values["tags"] == labels


def test_tag_label_over_100_characters_after_trimming_is_rejected() -> None:
    assert parse({"tags": " " + "a" * 100 + " "}).values["tags"] == ["a" * 100]
    error = rejected({"tags": "a" * 101})
    assert error.errors == {"tags": ["has a label that is too long (maximum is 100 characters)"]}


@pytest.mark.parametrize("wrong", [1, True, ["a"], {"a": 1}])
def test_tags_of_wrong_json_type_are_rejected(wrong: Any) -> None:
    assert rejected({"tags": wrong}).errors == {"tags": ["must be a string"]}


labels = st.text(alphabet=st.characters(blacklist_characters=","), max_size=12)


@given(st.lists(labels, max_size=30))
def test_parsed_tags_are_trimmed_nonempty_and_unique_ignoring_case(parts: list[str]) -> None:
    try:
        tags = parse({"tags": ",".join(parts)}).values["tags"]
    except ValidationFailed:
        return
    assert all(tag == tag.strip() and tag for tag in tags)
    assert len({tag.casefold() for tag in tags}) == len(tags)
    assert {tag.casefold() for tag in tags} == {
        part.strip().casefold() for part in parts if part.strip()
    }


@given(st.lists(labels, max_size=30))
def test_parsing_tags_is_idempotent(parts: list[str]) -> None:
    try:
        once = parse({"tags": ",".join(parts)}).values["tags"]
    except ValidationFailed:
        return
    assert parse({"tags": ",".join(once)}).values["tags"] == once


# opt_in and spam forms

TRUE_FORMS: list[Any] = [True, "1", 1, "true"]
FALSE_FORMS: list[Any] = [False, "0", 0, "false"]


@pytest.mark.parametrize("field", ["opt_in", "spam"])
@pytest.mark.parametrize("form", TRUE_FORMS)
def test_flag_true_forms(field: str, form: Any) -> None:
    assert parse({field: form}).values == {field: True}


@pytest.mark.parametrize("field", ["opt_in", "spam"])
@pytest.mark.parametrize("form", FALSE_FORMS)
def test_flag_false_forms(field: str, form: Any) -> None:
    assert parse({field: form}).values == {field: False}


@pytest.mark.parametrize("field", ["opt_in", "spam"])
@pytest.mark.parametrize("clear", CLEARS)
def test_flag_clear_request_is_ignored(field: str, clear: Any) -> None:
    assert parse({field: clear, "force_nullifying": True}).values == {}


@pytest.mark.parametrize("field", ["opt_in", "spam"])
@pytest.mark.parametrize("bad", ["yes", "TRUE", 2, -1, 1.0, 0.0, [], {}, "t"])
def test_flag_other_values_are_invalid(field: str, bad: Any) -> None:
    assert rejected({field: bad}).errors == {field: ["is invalid"]}


def test_opt_in_is_ignored_when_the_business_has_opt_in_disabled() -> None:
    assert parse({"opt_in": False}, opt_in_enabled=False).values == {}


def test_opt_in_is_still_validated_when_opt_in_is_disabled() -> None:
    assert rejected({"opt_in": "maybe"}, opt_in_enabled=False).errors == {"opt_in": ["is invalid"]}


def test_spam_is_applied_when_opt_in_is_disabled() -> None:
    assert parse({"spam": True}, opt_in_enabled=False).values == {"spam": True}


# force_nullifying forms


@pytest.mark.parametrize("on", [True, "true"])
def test_force_nullifying_is_on_for_true_and_the_string_true(on: Any) -> None:
    assert force_nullifying(on)
    assert changes({"address": None, "force_nullifying": on}) == {"address": None}


@pytest.mark.parametrize("off", [False, "false", "True", "TRUE", 1, "1", "yes", None, [], {}, 1.0])
def test_force_nullifying_is_off_for_any_other_value_and_never_an_error(off: Any) -> None:
    assert not force_nullifying(off)
    request = parse({"address": None, "force_nullifying": off})
    assert request.values == {}
    assert request.ignored == []


# ignored fields


def test_ignored_fields_are_named_sorted() -> None:
    body = {
        "zeta": 1,
        "updated_at": "x",
        "created_at": "x",
        "source_campaign": "c",
        "opt_in_transactional_sms": True,
        "source_channel": "c",
        "id": "x",
        "customer_status": "lead",
        "business_uid": "x",
    }
    assert parse(body).ignored == [
        "business_uid",
        "created_at",
        "customer_status",
        "id",
        "opt_in_transactional_sms",
        "source_campaign",
        "source_channel",
        "updated_at",
        "zeta",
    ]
    assert parse(body).values == {}


def test_ignored_clear_requests_and_force_nullifying_are_not_named() -> None:
    assert parse({"first_name": None, "force_nullifying": "x", "address": ""}).ignored == []


# status, email, staff_id


@pytest.mark.parametrize("status", ["lead", "customer", "loyal", "inactive"])
def test_status_accepts_the_four_statuses(status: str) -> None:
    assert parse({"status": f" {status} "}).values == {"status": status}


@pytest.mark.parametrize("status", ["Lead", "vip", "deleted", "lead,customer"])
def test_status_outside_the_list_is_rejected(status: str) -> None:
    assert (
        str(rejected({"status": status})) == "Validation failed: Status is not included in the list"
    )


@pytest.mark.parametrize("address", ["Ada@Example.com", "  a.b+c@sub.example.org  "])
def test_valid_email_is_kept_trimmed_as_written(address: str) -> None:
    assert parse({"email": address}).values == {"email": address.strip()}


@pytest.mark.parametrize("address", ["nope", "a@", "@example.com", "a b@example.com", "a@@b.com"])
def test_invalid_email_is_rejected(address: str) -> None:
    assert str(rejected({"email": address})) == "Validation failed: Email is invalid"


@pytest.mark.parametrize("address", ["a@example.test", "a@corp.local", "a@localhost"])
def test_special_use_domains_are_invalid_emails(address: str) -> None:
    assert rejected({"email": address}).errors == {"email": ["is invalid"]}


def test_staff_id_is_passed_on_trimmed_for_the_service_to_check() -> None:
    assert parse({"staff_id": " abc "}).staff_id == "abc"


# lengths count characters of the trimmed value

LIMITS = [
    ("first_name", 255),
    ("last_name", 255),
    ("source_name", 255),
    ("staff_id", 255),
    ("mobile_phone", 50),
    ("phone", 50),
    ("address", 1000),
    ("custom_field1", 1000),
    ("custom_field2", 1000),
    ("custom_field3", 1000),
    ("source_url", 2048),
]


@pytest.mark.parametrize(("field", "limit"), LIMITS)
def test_length_limit_counts_characters_of_the_trimmed_value(field: str, limit: int) -> None:
    parse({field: "  " + "é" * limit + "  "})
    error = rejected({field: "é" * (limit + 1)})
    assert error.errors == {field: [f"is too long (maximum is {limit} characters)"]}


def test_email_limit_is_254_characters() -> None:
    local = "a" * 64
    domain = ".".join(["b" * 60] * 3) + ".com"
    address = f"{local}@{domain}"
    assert len(address) <= 254
    parse({"email": address})
    error = rejected({"email": "a" * 64 + "@" + "b" * 190 + ".com"})
    assert error.errors == {"email": ["is too long (maximum is 254 characters)"]}


# wrong JSON types -> 422


@pytest.mark.parametrize("field", [*KEPT, "address", "mobile_phone", "phone"])
@pytest.mark.parametrize("wrong", [1, 1.5, True, ["a"], {"a": "b"}])
def test_wrong_json_type_for_a_text_field_is_rejected(field: str, wrong: Any) -> None:
    error = rejected({field: wrong})
    assert error.status_code == 422
    assert list(error.errors) == [field]


def test_first_failing_field_in_body_order_decides_the_message_and_all_are_listed() -> None:
    error = rejected({"last_name": 1, "email": "bad", "status": "nope"})
    assert str(error) == "Validation failed: Last name must be a string"
    assert error.errors == {
        "last_name": ["must be a string"],
        "email": ["is invalid"],
        "status": ["is not included in the list"],
    }


# no-op


def test_a_put_that_changes_nothing_plans_no_changes() -> None:
    body = {
        "first_name": " Ada ",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "address": "1 Main St",
        "mobile_phone": "+1 212 555 0100",
        "status": "customer",
        "tags": "vip",
        "opt_in": "1",
        "spam": "false",
        "custom_field1": "one",
        "source_name": "Initiated by staff",
        "source_url": "https://example.com",
        "staff_id": "s" * 16,
        "created_at": "2020-01-01T00:00:00Z",
    }
    assert changes(body) == {}


def test_changing_email_case_is_a_change() -> None:
    assert changes({"email": "ADA@example.com"}) == {"email": "ADA@example.com"}


def test_empty_body_changes_nothing() -> None:
    assert changes({}) == {}
