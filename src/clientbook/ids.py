"""Identifiers and the clock: the only sources of randomness and time."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


_UID_SPACE = len(_ALPHABET) ** 16
# Every pair of base-36 digits, so a uid is written 2 digits at a time.
_PAIRS = tuple(a + b for a in _ALPHABET for b in _ALPHABET)
_PAIR_BASE = len(_PAIRS)


def new_uid() -> str:
    """16 characters of [0-9a-z], random and unguessable (~82 bits)."""
    # One draw from the whole space, written in base 36: uniform like 16 separate draws,
    # and several times faster (a POST makes three uids and a jti, a CSV import three per
    # row).
    return _digits(secrets.randbelow(_UID_SPACE), 8)


_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)
_JTI_RANDOM_SPACE = len(_ALPHABET) ** 20


def new_jti(now: datetime) -> str:
    """A token id: 32 characters of [0-9a-z], the time (`now`, naive UTC, in microseconds:
    12 digits) then 20 random digits (~103 bits). Tokens are stored in jti order, so a
    new token's row is appended to the pages the last ones wrote, where a random jti
    would dirty a page of its own on every POST (docs/performance.md, seventh round)."""
    moment = (now - _EPOCH) // _MICROSECOND
    return _digits(moment, 6) + _digits(secrets.randbelow(_JTI_RANDOM_SPACE), 10)


def _digits(number: int, pairs: int) -> str:
    """The last `2 * pairs` base-36 digits of `number`, most significant first (so text
    order is number order), written two at a time."""
    out = []
    for _ in range(pairs):
        number, pair = divmod(number, _PAIR_BASE)
        out.append(_PAIRS[pair])
    out.reverse()
    return "".join(out)


def utcnow() -> datetime:
    """Now, UTC, naive (as stored), to the microsecond."""
    return datetime.now(UTC).replace(tzinfo=None)
