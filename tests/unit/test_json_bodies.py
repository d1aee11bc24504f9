"""Which request bodies are JSON objects: 415, 400 and 422 decided from the bytes alone."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientbook.api.edge import parse_json_object
from clientbook.errors import MalformedJSON, ValidationFailed

JSON = "application/json"


@pytest.mark.parametrize(
    "raw",
    [
        b'{"first_name": "a", "first_name": "b"}',
        b'{"a": 1, "b": {"c": 1, "c": 2}}',
        b'{"clients": [{"id": "x", "opt_in": true, "id": "y"}]}',
        b'{"\\u0061": 1, "a": 2}',
        b'[{"x": 1, "x": 1}]',
    ],
)
def test_a_key_named_twice_in_any_object_is_malformed_json(raw: bytes) -> None:
    with pytest.raises(MalformedJSON):
        parse_json_object(JSON, raw)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": "x:y", "b": "q\\":"}',
        b'{"a": [{"b": 1}, {"b": 2}]}',
        b'{"a": "\\\\", "b": 1}',
        b'{"a": {"a": {"a": 1}}}',
        b"{}",
    ],
)
def test_colons_in_strings_and_equal_keys_of_different_objects_are_fine(raw: bytes) -> None:
    assert parse_json_object(JSON, raw) == json.loads(raw)


def test_an_array_is_not_an_object() -> None:
    with pytest.raises(ValidationFailed):
        parse_json_object(JSON, b"[1, 2]")


_keys = st.text(max_size=4)
_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3),
    max_leaves=10,
)


@given(st.lists(st.tuples(_keys, _values), max_size=6))
def test_duplicates_are_found_exactly_as_a_pairs_hook_finds_them(
    pairs: list[tuple[str, object]],
) -> None:
    raw = ("{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in pairs) + "}").encode()
    duplicated = len({k for k, _ in pairs}) != len(pairs)
    if duplicated:
        with pytest.raises(MalformedJSON):
            parse_json_object(JSON, raw)
    else:
        assert parse_json_object(JSON, raw) == json.loads(raw)


def test_a_document_nested_as_deep_as_orjson_takes_is_checked_without_recursion() -> None:
    deep = b"[" * 1000 + b'{"a": 1}' + b"]" * 1000
    with pytest.raises(ValidationFailed):  # an array: parsed, checked, not an object
        parse_json_object(JSON, deep)
    nested = b'{"a":' * 1000 + b"1" + b"}" * 1000
    assert parse_json_object(JSON, nested)["a"] is not None
