"""Tokens (signed JWTs) and who may act on which business: contract section 2."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import jwt
import orjson
from jwt.algorithms import HMACAlgorithm
from jwt.utils import base64url_encode

from clientbook import ids
from clientbook.config import Settings
from clientbook.errors import Unauthorized
from clientbook.store import principals

if TYPE_CHECKING:  # for annotations only: the store is not needed to sign or decode
    from clientbook.store.database import Transaction

ISSUER = "clientbook"
ALGORITHM = "HS256"
KINDS = ("staff", "app", "directory", "client")
SECRET_KEY_SETTING = "secret_key"  # noqa: S105 (a settings key name)
ON_BEHALF_REQUIRED = "X-On-Behalf-Of header is required for directory tokens"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting (kind, subject) and on which business."""

    kind: str
    subject_uid: str
    business_uid: str


async def secret_key(tx: Transaction, settings: Settings) -> str:
    """The signing key: CLIENTBOOK_SECRET_KEY, else one generated once and kept in the database."""
    if settings.secret_key:
        return settings.secret_key
    generated = ids.new_uid() + ids.new_uid() + ids.new_uid() + ids.new_uid()
    return await principals.put_setting_if_absent(tx, key=SECRET_KEY_SETTING, value=generated)


@dataclass(frozen=True, slots=True)
class Signed:
    """A signed token and the record that must be stored for it to be accepted."""

    token: str
    record: principals.TokenRecord
    issued_at: datetime
    expires_at: datetime


def sign(
    *,
    key: str,
    kind: str,
    subject_uid: str,
    business_uid: str | None,
    directory_uid: str | None,
    now: datetime,
    ttl: timedelta,
) -> Signed:
    """A new token; it is accepted once its record is stored (`issue`, or POST's insert)."""
    jti = ids.new_jti(now)
    expires = now + ttl
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": "client" if kind == "client" else "platform",
        "sub": subject_uid,
        "kind": kind,
        "iat": _epoch(now),
        "exp": _epoch(expires),
        "jti": jti,
    }
    if kind == "directory":
        claims["directory_uid"] = directory_uid
    else:
        claims["business_uid"] = business_uid
    record = principals.TokenRecord(
        jti=jti,
        kind=kind,
        subject_uid=subject_uid,
        business_uid=business_uid,
        directory_uid=directory_uid,
    )
    token = _encode(claims, key)
    return Signed(token=token, record=record, issued_at=now, expires_at=expires)


_HS256 = HMACAlgorithm(HMACAlgorithm.SHA256)
# PyJWT's header for HS256, as `jwt.encode` writes it (keys sorted, no spaces).
_HEADER = base64url_encode(orjson.dumps({"alg": ALGORITHM, "typ": "JWT"}))


def _encode(claims: dict[str, Any], key: str) -> str:
    """`jwt.encode(claims, key, algorithm="HS256")`, byte for byte, with PyJWT's own HMAC
    and base64url: the header is encoded once and the key prepared once (PyJWT checks a
    key against PEM and SSH forms on every call): 3 us against 17 (docs/performance.md,
    eighth round). Every POST signs a token."""
    signing_input = _HEADER + b"." + base64url_encode(orjson.dumps(claims))
    signature = _HS256.sign(signing_input, _signing_key(key))
    return (signing_input + b"." + base64url_encode(signature)).decode()


@functools.lru_cache(maxsize=8)
def _signing_key(key: str) -> bytes:
    prepared: bytes = _HS256.prepare_key(key)
    return prepared


async def issue(tx: Transaction, signed: Signed) -> str:
    """Record a signed token, so it is accepted and can be revoked; return it."""
    await principals.create_token(
        tx, record=signed.record, issued_at=signed.issued_at, expires_at=signed.expires_at
    )
    return signed.token


def decode(token: str, *, key: str) -> principals.TokenRecord:
    """Verify signature, algorithm, issuer, audience and times; raise Unauthorized."""
    record, expires = _verified(token, key)
    if time.time() >= expires:  # PyJWT's rule: expired once `exp <= now`
        raise Unauthorized
    return record


@functools.lru_cache(maxsize=4096)
def _verified(token: str, key: str) -> tuple[principals.TokenRecord, int]:
    """The signature and claims checks, done once per token string (a failure raises and is
    not cached); `decode` repeats the expiry check, and revocation is checked per request."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=["platform", "client"],
            issuer=ISSUER,
            options={"require": ["iss", "aud", "sub", "kind", "iat", "exp", "jti"]},
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        raise Unauthorized from None
    kind = claims.get("kind")
    expected_aud = "client" if kind == "client" else "platform"
    scope_claim = "directory_uid" if kind == "directory" else "business_uid"
    scope = claims.get(scope_claim)
    if (
        kind not in KINDS
        or claims.get("aud") != expected_aud
        or not all(isinstance(claims.get(c), str) for c in ("sub", "jti"))
        or not isinstance(scope, str)
    ):
        raise Unauthorized
    record = principals.TokenRecord(
        jti=claims["jti"],
        kind=kind,
        subject_uid=claims["sub"],
        business_uid=scope if kind != "directory" else None,
        directory_uid=scope if kind == "directory" else None,
    )
    return record, int(claims["exp"])


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header."""
    if not authorization:
        raise Unauthorized
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise Unauthorized
    return token


def _epoch(moment: datetime) -> int:
    """Seconds since the epoch of a naive UTC datetime."""
    return int(moment.replace(tzinfo=UTC).timestamp())
