"""The list query of contract 5.2, parsed by a pure function.

Query parameters are read here rather than by a framework, so every refusal is the
contract's 422 envelope. Nothing is clamped: a value out of range is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal

from clientbook.domain import values
from clientbook.errors import ValidationFailed

SearchBy = Literal["email", "uid", "phone", "updated_at"]
SEARCH_BY: tuple[SearchBy, ...] = ("email", "uid", "phone", "updated_at")
DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
# Far beyond any real business, and keeps OFFSET inside a 64-bit integer.
MAX_PAGE = 10_000_000
MAX_TERM_LENGTH = 255

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?", re.IGNORECASE
)
_INTEGER = re.compile(r"[0-9]{1,9}")
_TRUE = ("true", "1")
_FALSE = ("false", "0")


@dataclass(frozen=True, slots=True)
class ListQuery:
    """A validated list request; moments are naive UTC, bounds inclusive."""

    search_term: str | None = None
    search_by: SearchBy | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    phone_exists: bool | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True, slots=True)
class PhoneTerm:
    """What a phone search compares: the term's digits and its E.164 form."""

    digits: str | None
    e164: str | None


def parse_list_query(params: Mapping[str, str]) -> ListQuery:
    """Validate the query parameters of GET /clients; raise ValidationFailed (422)."""
    term = _term(params.get("search_term"))
    search_by = _search_by(params.get("search_by"), term)
    if search_by == "updated_at" and term is not None:
        _moment("search_term", term, end_of_day=False)  # a date or date-time, else 422
    return ListQuery(
        search_term=term,
        search_by=search_by,
        updated_from=_optional_moment(params, "updated_at[gte]", end_of_day=False),
        updated_to=_optional_moment(params, "updated_at[lte]", end_of_day=True),
        phone_exists=_phone_exists(params.get("phone_exists")),
        page=_integer(params.get("page"), "page", default=1, low=1, high=MAX_PAGE),
        per_page=_integer(
            params.get("per_page"), "per_page", default=DEFAULT_PER_PAGE, low=1, high=MAX_PER_PAGE
        ),
    )


def updated_since(query: ListQuery) -> datetime | None:
    """The lower bound of updated_at: `updated_at[gte]` and `search_by=updated_at` combined."""
    bounds = [query.updated_from] if query.updated_from is not None else []
    if query.search_by == "updated_at" and query.search_term is not None:
        bounds.append(_moment("search_term", query.search_term, end_of_day=False))
    return max(bounds) if bounds else None


def phone_term(term: str, *, country: str) -> PhoneTerm:
    """A phone search term as the stored `phone_digits` and `normalized_phone` read."""
    return PhoneTerm(digits=values.phone_digits(term), e164=values.normalized_phone(term, country))


def like_pattern(term: str) -> str:
    """A LIKE pattern matching `term` as a substring (`\\` escapes the wildcards)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _term(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    term = raw.strip()
    if len(term) > MAX_TERM_LENGTH:
        raise ValidationFailed(
            "search_term", f"is too long (maximum is {MAX_TERM_LENGTH} characters)"
        )
    if any(ord(ch) < 0x20 for ch in term):
        raise ValidationFailed("search_term", "is invalid")
    return term


def _search_by(raw: str | None, term: str | None) -> SearchBy | None:
    if raw is None or raw == "":
        return None
    for option in SEARCH_BY:
        if raw == option:
            if term is None:
                raise ValidationFailed("search_term", "can't be blank")
            return option
    raise ValidationFailed("search_by", "is not included in the list")


def _optional_moment(params: Mapping[str, str], name: str, *, end_of_day: bool) -> datetime | None:
    raw = params.get(name)
    if raw is None:
        return None
    return _moment(name, raw.strip(), end_of_day=end_of_day)


def _moment(name: str, raw: str, *, end_of_day: bool) -> datetime:
    """A date or date-time as naive UTC; a bare date is its first or last microsecond."""
    if _DATE.fullmatch(raw):
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise ValidationFailed(name, "is invalid") from None
        return datetime.combine(day, time.max if end_of_day else time.min)
    if not _DATE_TIME.fullmatch(raw):
        raise ValidationFailed(name, "is invalid")
    try:
        moment = datetime.fromisoformat(raw.upper().replace(" ", "T", 1))
    except ValueError:
        raise ValidationFailed(name, "is invalid") from None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # the offset moves it outside years 1-9999 in UTC
            raise ValidationFailed(name, "is invalid") from None
    return moment


def _phone_exists(raw: str | None) -> bool | None:
    if raw is None:
        return None
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValidationFailed("phone_exists", "must be true, false, 1 or 0")


def _integer(raw: str | None, name: str, *, default: int, low: int, high: int) -> int:
    if raw is None:
        return default
    text = raw.strip()
    if not _INTEGER.fullmatch(text):
        if text.startswith("-") and _INTEGER.fullmatch(text[1:]):
            raise ValidationFailed(name, f"must be greater than or equal to {low}")
        if text.isdigit():  # more digits than any allowed value
            raise ValidationFailed(name, f"must be less than or equal to {high}")
        raise ValidationFailed(name, "must be an integer")
    number = int(text)
    if number < low:
        raise ValidationFailed(name, f"must be greater than or equal to {low}")
    if number > high:
        raise ValidationFailed(name, f"must be less than or equal to {high}")
    return number
