"""Identifiers: uids are random; a token's jti starts with its issue time."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from clientbook import ids

MOMENTS = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(5000, 1, 1))


def test_a_uid_is_16_characters_of_digits_and_lowercase_letters() -> None:
    uids = {ids.new_uid() for _ in range(1000)}
    assert len(uids) == 1000
    assert all(re.fullmatch(r"[0-9a-z]{16}", uid) for uid in uids)


@given(MOMENTS)
def test_a_jti_is_32_characters_of_digits_and_lowercase_letters(now: datetime) -> None:
    assert re.fullmatch(r"[0-9a-z]{32}", ids.new_jti(now))


@given(MOMENTS, st.integers(min_value=1, max_value=10**12))
def test_a_later_jti_sorts_after_an_earlier_one(now: datetime, microseconds: int) -> None:
    """Tokens are stored in jti order: a new one lands after those issued before it."""
    later = now + timedelta(microseconds=microseconds)
    assert ids.new_jti(now) < ids.new_jti(later)


def test_jtis_of_the_same_moment_differ() -> None:
    now = datetime(2026, 11, 27, 4, 0)
    assert len({ids.new_jti(now) for _ in range(1000)}) == 1000
