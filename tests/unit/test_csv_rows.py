"""The CSV rules: a row is a POST body of strings; export cells read back as import."""

from __future__ import annotations

from typing import Any

import pytest

from clientbook.domain import csv_rows
from clientbook.domain.create import parse_create


def _new(**body: Any) -> Any:
    return parse_create(body, principal_kind="import", opt_in_enabled=True, country="US")


def test_empty_cells_are_absent_fields_and_the_sms_flag_reads_as_a_boolean() -> None:
    cells = {
        "first_name": "Zoë",
        "last_name": "  ",
        "email": "",
        "tags": "a, b",
        "opt_in_transactional_sms": "TRUE",
        "address": None,
    }
    assert csv_rows.row_body(cells) == {
        "first_name": "Zoë",
        "tags": "a, b",
        "opt_in_transactional_sms": True,
    }
    assert csv_rows.row_body({"opt_in_transactional_sms": "maybe"}) == {
        "opt_in_transactional_sms": "maybe"  # left for the POST rule to refuse
    }


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "the file is empty"),
        (["first_name", "nick"], "unknown column 'nick'"),
        (["first_name", "email", "email"], "column 'email' appears more than once"),
        (["email"], "a first_name column is required"),
    ],
)
def test_bad_headers_are_refused(header: list[str] | None, message: str) -> None:
    with pytest.raises(csv_rows.HeaderError, match=message):
        csv_rows.check_header(header)


def test_every_post_field_is_a_valid_column() -> None:
    from clientbook.domain.create import CREATE_FIELDS

    csv_rows.check_header(list(CREATE_FIELDS))


def test_dedupe_key_is_the_email_else_names_and_phone_ignoring_case() -> None:
    assert csv_rows.dedupe_key(_new(first_name="A", email="Ada@Example.com")) == (
        "email",
        "ada@example.com",
    )
    without = _new(first_name="Zoë", last_name="ÅNGSTRÖM", phone=" +1 202 555 0101 ")
    stored = csv_rows.client_key(
        email=None, first_name="zoë", last_name="ångström", mobile_phone="+1 202 555 0101"
    )
    assert csv_rows.dedupe_key(without) == stored
    other_phone = _new(first_name="Zoë", last_name="Ångström", phone="+1 202 555 0102")
    assert csv_rows.dedupe_key(other_phone) != stored


@pytest.mark.parametrize(
    ("value", "cell"),
    [(None, ""), (True, "true"), (False, "false"), (["vip", "a b"], "vip,a b"), ("x", "x")],
)
def test_export_cells(value: Any, cell: str) -> None:
    assert csv_rows.export_cell(value) == cell


def test_exported_tags_import_back_as_the_same_tags() -> None:
    tags = ["vip", "Newsletter", "a b"]
    assert _new(first_name="A", tags=csv_rows.export_cell(tags)).columns["tags"] == tags
