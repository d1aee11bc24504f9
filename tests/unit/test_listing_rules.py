"""The list query parser (contract 5.2), without I/O."""

from __future__ import annotations

from datetime import datetime

import pytest

from clientbook.domain import listing
from clientbook.domain.listing import ListQuery, parse_list_query
from clientbook.errors import ValidationFailed


def refusal(params: dict[str, str]) -> tuple[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        parse_list_query(params)
    return caught.value.field, caught.value.message


def test_defaults() -> None:
    assert parse_list_query({}) == ListQuery(page=1, per_page=25)
    assert parse_list_query({}).offset == 0


def test_pages_and_offset() -> None:
    query = parse_list_query({"page": "3", "per_page": "100"})
    assert (query.page, query.per_page, query.offset) == (3, 100, 200)
    assert parse_list_query({"page": " 2 "}).page == 2


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"page": "0"}, "page", "Validation failed: Page must be greater than or equal to 1"),
        ({"page": "-3"}, "page", "Validation failed: Page must be greater than or equal to 1"),
        ({"page": "abc"}, "page", "Validation failed: Page must be an integer"),
        ({"page": "1e3"}, "page", "Validation failed: Page must be an integer"),
        ({"page": "99999999999"}, "page",
         "Validation failed: Page must be less than or equal to 10000000"),
        ({"per_page": "0"}, "per_page",
         "Validation failed: Per page must be greater than or equal to 1"),
        ({"per_page": "101"}, "per_page",
         "Validation failed: Per page must be less than or equal to 100"),
        ({"search_by": "email"}, "search_term", "Validation failed: Search term can't be blank"),
        ({"search_by": "EMAIL", "search_term": "a"}, "search_by",
         "Validation failed: Search by is not included in the list"),
        ({"phone_exists": "maybe"}, "phone_exists",
         "Validation failed: Phone exists must be true, false, 1 or 0"),
        ({"updated_at[gte]": "2026-02-30"}, "updated_at[gte]",
         "Validation failed: Updated at[gte] is invalid"),
        ({"updated_at[lte]": "2026-01-01T10"}, "updated_at[lte]",
         "Validation failed: Updated at[lte] is invalid"),
        ({"search_by": "updated_at", "search_term": "2026"}, "search_term",
         "Validation failed: Search term is invalid"),
    ],
)  # fmt: skip
def test_refusals(params: dict[str, str], field: str, message: str) -> None:
    assert refusal(params) == (field, message)


def test_blank_search_term_is_no_search() -> None:
    assert parse_list_query({"search_term": "  "}).search_term is None
    assert parse_list_query({"search_term": " Ada "}).search_term == "Ada"


def test_empty_search_by_is_absent() -> None:
    assert parse_list_query({"search_by": ""}).search_by is None


def test_bare_dates_cover_whole_days() -> None:
    query = parse_list_query({"updated_at[gte]": "2026-01-31", "updated_at[lte]": "2026-01-31"})
    assert query.updated_from == datetime(2026, 1, 31)
    assert query.updated_to == datetime(2026, 1, 31, 23, 59, 59, 999999)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-01-31T12:30:00Z", datetime(2026, 1, 31, 12, 30)),
        ("2026-01-31T12:30:00", datetime(2026, 1, 31, 12, 30)),
        ("2026-01-31 12:30", datetime(2026, 1, 31, 12, 30)),
        ("2026-01-31T12:30:00.5Z", datetime(2026, 1, 31, 12, 30, 0, 500000)),
        ("2026-01-31T12:30:00+02:00", datetime(2026, 1, 31, 10, 30)),
        ("2026-01-31T00:30:00-0100", datetime(2026, 1, 31, 1, 30)),
    ],
)
def test_date_times_are_utc(text: str, moment: datetime) -> None:
    assert parse_list_query({"updated_at[lte]": text}).updated_to == moment


def test_phone_exists_forms() -> None:
    assert parse_list_query({"phone_exists": "TRUE"}).phone_exists is True
    assert parse_list_query({"phone_exists": "1"}).phone_exists is True
    assert parse_list_query({"phone_exists": "false"}).phone_exists is False
    assert parse_list_query({"phone_exists": "0"}).phone_exists is False


def test_updated_since_takes_the_later_bound() -> None:
    query = parse_list_query(
        {"search_by": "updated_at", "search_term": "2026-02-01", "updated_at[gte]": "2026-01-01"}
    )
    assert listing.updated_since(query) == datetime(2026, 2, 1)
    assert listing.updated_since(parse_list_query({})) is None


def test_like_pattern_escapes_wildcards() -> None:
    assert listing.like_pattern("50%_a\\b") == "%50\\%\\_a\\\\b%"


def test_phone_term() -> None:
    term = listing.phone_term("(202) 555-0143", country="US")
    assert term == listing.PhoneTerm(digits="2025550143", e164="+12025550143")
    assert listing.phone_term("abc", country="US") == listing.PhoneTerm(digits=None, e164=None)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("updated_at[gte]", "0001-01-01T00:00+01:00"),
        ("updated_at[lte]", "9999-12-31T23:59-01:00"),
        ("updated_at[lte]", "9999-12-31T23:59:59-00:01"),
        ("updated_at[gte]", "9999-12-31T23:59:59.999999-00:01"),
    ],
)
def test_an_offset_past_the_ends_of_time_is_invalid_not_a_crash(name: str, text: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_list_query({name: text})
    humanised = name.replace("_", " ").capitalize()
    assert refused.value.message == f"Validation failed: {humanised} is invalid"


def test_an_offset_past_the_ends_of_time_in_search_by_updated_at_is_invalid() -> None:
    with pytest.raises(ValidationFailed):
        parse_list_query({"search_by": "updated_at", "search_term": "0001-01-01T00:00+01:00"})


def test_the_last_day_of_time_is_a_whole_day() -> None:
    query = parse_list_query({"updated_at[lte]": "9999-12-31"})
    assert query.updated_to == datetime.max
    query = parse_list_query({"updated_at[gte]": "0001-01-01"})
    assert query.updated_from == datetime.min
