"""Identifiers and the clock: the only sources of randomness and time."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def new_uid() -> str:
    """16 characters of [0-9a-z], random and unguessable (~82 bits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(16))


def utcnow() -> datetime:
    """Now, UTC, naive (as stored), to the microsecond."""
    return datetime.now(UTC).replace(tzinfo=None)
