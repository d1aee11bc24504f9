"""Merge and delete rules (contract 5.5, 5.7), without I/O."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from clientbook.domain import deletion, merging
from clientbook.domain.model import Client
from clientbook.errors import ValidationFailed

NOW = datetime(2026, 1, 31, 12)


def client(uid: str, **fields: Any) -> Client:
    fields.setdefault("first_name", None)
    return Client(business_uid="b", id=uid, **fields)


def test_id_list() -> None:
    assert merging.id_list(" a, b,,a ,") == ["a", "b"]
    assert merging.id_list(None) == []


def test_candidates() -> None:
    assert merging.parse_candidates({"client_ids": "b,a,b"}) == ["b", "a"]
    with pytest.raises(ValidationFailed, match="at least two different clients"):
        merging.parse_candidates({"client_ids": "a,a"})
    with pytest.raises(ValidationFailed, match="too many"):
        merging.parse_candidates({"client_ids": ",".join(str(n) for n in range(101))})


def test_parse_merge() -> None:
    request = merging.parse_merge({"to_client_uid": " m ", "from_client_uids": "a,b,a"})
    assert request == merging.MergeRequest(master_id="m", source_ids=["a", "b"])
    assert request.all_ids == ["m", "a", "b"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from_client_uids": "a"}, "Validation failed: To client uid can't be blank"),
        ({"to_client_uid": "m"}, "Validation failed: From client uids can't be blank"),
        ({"to_client_uid": "m", "from_client_uids": " , "},
         "Validation failed: From client uids can't be blank"),
        ({"to_client_uid": "m", "from_client_uids": "a,m"},
         "Validation failed: From client uids must not include to_client_uid"),
    ],
)  # fmt: skip
def test_parse_merge_refusals(params: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        merging.parse_merge(params)
    assert caught.value.message == message


def test_check_matters() -> None:
    request = merging.MergeRequest(master_id="m", source_ids=["a", "b"])
    merging.check_matters(request, {"m": 1, "a": 1})
    with pytest.raises(ValidationFailed) as caught:
        merging.check_matters(request, {"m": 1, "a": 1, "b": 2})
    assert caught.value.message == "Validation failed: Client b has more than one matter"
    assert caught.value.errors == {"from_client_uids": ["has more than one matter"]}
    with pytest.raises(ValidationFailed) as caught:
        merging.check_matters(request, {"m": 3})
    assert caught.value.errors == {"to_client_uid": ["has more than one matter"]}


def test_master_keeps_its_values_and_fills_empty_ones_from_the_first_source() -> None:
    master = client("m", first_name="Ada", last_name="", tags=["vip"], status="customer")
    first = client(
        "a",
        first_name="Other",
        email="a@example.com",
        mobile_phone="202-555-0143",
        normalized_phone="+12025550143",
        phone_digits="2025550143",
        opt_in=False,
        tags=["VIP", "new"],
        status="lead",
        source="Web",
    )
    second = client("b", last_name="King", email="b@example.com", opt_in=True, address="1 St")

    changes = merging.merge_changes(master, [first, second])

    assert changes == {
        "last_name": "King",
        "email": "a@example.com",
        "mobile_phone": "202-555-0143",
        "normalized_phone": "+12025550143",
        "phone_digits": "2025550143",
        "address": "1 St",
        "opt_in": False,
        "tags": ["vip", "new"],
    }


def test_nothing_to_fill() -> None:
    full = client("m", first_name="Ada", opt_in=True, tags=["x"])
    assert merging.merge_changes(full, [client("a", first_name="B", opt_in=False)]) == {}


def test_too_many_tags() -> None:
    master = client("m", tags=[f"m{n}" for n in range(99)])
    with pytest.raises(ValidationFailed) as caught:
        merging.merge_changes(master, [client("a", tags=["x", "y"])])
    assert caught.value.message == "Validation failed: Tags are too many (maximum is 100)"


def test_deleted_client() -> None:
    gone = deletion.deleted(client("abc", email="Ada@x.com", status="loyal"), now=NOW)
    assert (gone.status, gone.email, gone.deleted_at, gone.updated_at) == (
        "inactive",
        "Ada@x.com.dabc",
        NOW,
        NOW,
    )
    assert deletion.deleted_email(None, "abc") is None
