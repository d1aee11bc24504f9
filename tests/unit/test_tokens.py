"""Signing a token (auth.sign): the JWT PyJWT would write, accepted by `auth.decode`."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientbook import auth, ids
from clientbook.errors import Unauthorized

_UIDS = st.text(alphabet="0123456789abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=32)
_KEYS = st.text(min_size=32, max_size=80)


@given(kind=st.sampled_from(auth.KINDS), subject=_UIDS, scope=_UIDS, key=_KEYS)
def test_a_signed_token_is_the_one_pyjwt_writes_for_its_claims(
    kind: str, subject: str, scope: str, key: str
) -> None:
    signed = auth.sign(
        key=key, kind=kind, subject_uid=subject,
        business_uid=None if kind == "directory" else scope,
        directory_uid=scope if kind == "directory" else None,
        now=ids.utcnow(), ttl=timedelta(days=30),
    )  # fmt: skip
    claims = jwt.decode(signed.token, options={"verify_signature": False})
    assert signed.token == jwt.encode(claims, key, algorithm=auth.ALGORITHM)
    assert jwt.get_unverified_header(signed.token) == {"alg": "HS256", "typ": "JWT"}
    assert auth.decode(signed.token, key=key) == signed.record


def test_a_token_signed_with_another_key_is_refused() -> None:
    signed = auth.sign(
        key="k" * 40, kind="staff", subject_uid="s1", business_uid="b1", directory_uid=None,
        now=ids.utcnow(), ttl=timedelta(days=1),
    )  # fmt: skip
    with pytest.raises(Unauthorized):
        auth.decode(signed.token, key="x" * 40)
