"""The bulk opt-in parser (contract 5.6), without I/O."""

from __future__ import annotations

from typing import Any

import pytest

from clientbook.domain.bulk import BulkItem, first_missing, parse_bulk
from clientbook.errors import AppError


def refusal(body: dict[str, Any]) -> tuple[str, dict[str, list[str]] | None]:
    with pytest.raises(AppError) as caught:
        parse_bulk(body)
    return caught.value.message, getattr(caught.value, "errors", None)


def test_items_in_order() -> None:
    body = {"clients": [{"id": "a", "opt_in": "1"}, {"opt_in": False, "id": "b"}]}
    assert parse_bulk(body) == [BulkItem("a", True), BulkItem("b", False)]
    assert parse_bulk({"clients": []}) == []


def test_size_is_checked_before_items() -> None:
    assert refusal({"clients": [None] * 5001}) == (
        "Too many clients: at most 5000 per request",
        {"clients": ["Too many clients: at most 5000 per request"]},
    )
    assert len(parse_bulk({"clients": [{"id": str(n), "opt_in": 1} for n in range(5000)]})) == 5000


def test_first_faulty_item_decides() -> None:
    body = {"clients": [{"id": "a", "opt_in": True}, {"id": "b"}, {"id": "c", "spam": True}]}
    assert refusal(body) == (
        "Validation failed: Clients[1].opt_in can't be blank",
        {"clients[1].opt_in": ["can't be blank"]},
    )


def test_other_fields() -> None:
    message, errors = refusal({"clients": [{"id": "a", "opt_in": True, "first_name": "x"}]})
    assert message == "Only 'opt_in' field is allowed in bulk updates"
    assert errors == {"clients[0]": [message]}


@pytest.mark.parametrize("value", [None, "", " ", "yes", 2, 1.0, [], {}])
def test_bad_opt_in(value: Any) -> None:
    message, _ = refusal({"clients": [{"id": "a", "opt_in": value}]})
    assert message.startswith("Validation failed: Clients[0].opt_in ")


def test_duplicates_after_item_checks() -> None:
    body = {"clients": [{"id": "a", "opt_in": True}, {"id": "a", "opt_in": True}]}
    assert refusal(body)[0] == "Validation failed: Clients[1].id is duplicated"


def test_shape() -> None:
    assert refusal({})[0] == "Validation failed: Clients can't be blank"
    assert refusal({"clients": {}})[0] == "Validation failed: Clients must be a list"
    assert refusal({"clients": [1]})[0] == "Validation failed: Clients[0] must be an object"
    assert refusal({"clients": [{"id": 1, "opt_in": 1}]})[0] == (
        "Validation failed: Clients[0].id must be a string"
    )


def test_first_missing() -> None:
    items = [BulkItem("a", True), BulkItem("b", True), BulkItem("c", True)]
    assert first_missing(items, {"a", "b", "c"}) is None
    missing = first_missing(items, {"a"})
    assert missing is not None
    assert missing.message == "Validation failed: Clients[1].id does not exist"
