"""Token attacks: every forged, stale or mangled token gets the one 401 body on every
endpoint (403 for a valid client token), never a 5xx.

Forged tokens reuse a recorded token's claims (jti included) and change one thing, so
the one check under test is the only one that can refuse them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import subprocess
from datetime import timedelta
from typing import Any

import jwt
import pytest
import sqlalchemy as sa

from clientbook import ids
from clientbook.config import Settings
from tests import factories
from tests.conftest import TEST_SECRET
from tests.safety import world as worlds
from tests.safety.conftest import report
from tests.safety.servers import CLIENTBOOK
from tests.safety.test_isolation import ROUTES, VOLATILE_HEADERS, Req, served_routes
from tests.safety.world import World

UNAUTHORIZED = {"status": "Error", "error": "Unauthorized", "error_code": "unauthorized"}
FORBIDDEN = {"status": "Error", "error": "Forbidden", "error_code": "forbidden"}
PUBLIC_KEY_PEM = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n"
    "-----END PUBLIC KEY-----\n"
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segments(header: dict[str, Any], claims: Any) -> str:
    return _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())


def _hmac_token(header: dict[str, Any], claims: Any, key: bytes, digest: str = "sha256") -> str:
    """A token whose header says anything, signed HMAC (SHA-256 unless told) with any key."""
    signing_input = _segments(header, claims)
    signature = hmac.new(key, signing_input.encode(), getattr(hashlib, digest)).digest()
    return signing_input + "." + _b64(signature)


def claims_of(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _signed(claims: dict[str, Any], **changes: Any) -> str:
    changed = {k: v for k, v in {**claims, **changes}.items() if v is not _DROP}
    return jwt.encode(changed, TEST_SECRET, algorithm="HS256")


_DROP = object()


def forged_tokens(world: World) -> dict[str, str]:
    """Tokens that must all get 401: name -> token."""
    staff = world.a.staff_token
    c = claims_of(staff)
    now = int(ids.utcnow().timestamp())
    header, payload, signature = staff.split(".")
    other_payload = _b64(json.dumps({**c, "business_uid": world.b.business_uid}).encode())
    tokens = {
        "alg none": _segments({"alg": "none", "typ": "JWT"}, c) + ".",
        "alg None with signature": _segments({"alg": "None", "typ": "JWT"}, c) + "." + signature,
        "alg NONE": _segments({"alg": "NONE"}, c) + ".",
        "wrong key": jwt.encode(c, "another-secret-key-0123456789abcdef012345", algorithm="HS256"),
        "empty key": _hmac_token({"alg": "HS256", "typ": "JWT"}, c, b""),
        "HS384 with the right key": _hmac_token(
            {"alg": "HS384"}, c, TEST_SECRET.encode(), "sha384"
        ),
        "HS512 with the right key": _hmac_token(
            {"alg": "HS512"}, c, TEST_SECRET.encode(), "sha512"
        ),
        "RS256 header, HMAC signature": _hmac_token({"alg": "RS256"}, c, TEST_SECRET.encode()),
        "ES256 header, HMAC signature": _hmac_token({"alg": "ES256"}, c, TEST_SECRET.encode()),
        "PS256 header, random signature": _segments({"alg": "PS256"}, c) + "." + _b64(b"x" * 256),
        "HS256 keyed with a public key": _hmac_token({"alg": "HS256"}, c, PUBLIC_KEY_PEM.encode()),
        "tampered business_uid": f"{header}.{other_payload}.{signature}",
        "tampered signature": f"{header}.{payload}.{signature[:-4]}AAAA",
        "no signature": f"{header}.{payload}.",
        "two segments": f"{header}.{payload}",
        "four segments": f"{staff}.{signature}",
        "expired": _signed(c, exp=now - 60),
        "issued in the future": _signed(c, iat=now + 3600),
        "not valid before the future": _signed(c, nbf=now + 3600),
        "wrong iss": _signed(c, iss="someone-else"),
        "wrong aud": _signed(c, aud="client"),
        "aud list": _signed(c, aud=["other"]),
        "kind app for a staff member": _signed(c, kind="app"),
        "kind directory": _signed(c, kind="directory", directory_uid=world.a.directory_uid),
        "unknown kind": _signed(c, kind="admin"),
        "business_uid of B, re-signed": _signed(c, business_uid=world.b.business_uid),
        "sub of B's staff, re-signed": _signed(c, sub=world.b.staff_uid),
        "unrecorded jti": _signed(c, jti=ids.new_uid() + ids.new_uid()),
        "exp as text": _signed(c, exp="tomorrow"),
        "iat as text": _signed(c, iat="now"),
        "sub as number": _signed(c, sub=12345),
        "jti as list": _signed(c, jti=[c["jti"]]),
        "business_uid null": _signed(c, business_uid=None),
        "claims a list": _hmac_token({"alg": "HS256"}, [c], TEST_SECRET.encode()),
    }
    for claim in ("iss", "aud", "sub", "kind", "iat", "exp", "jti", "business_uid"):
        tokens[f"without {claim}"] = _signed(c, **{claim: _DROP})
    directory = claims_of(world.a.directory_token)
    tokens["directory token, directory_uid of C"] = _signed(
        directory, directory_uid=world.c.directory_uid
    )
    client = claims_of(world.client_token)
    tokens["client token re-signed as staff"] = _signed(client, kind="staff", aud="platform")
    tokens["client token with aud platform"] = _signed(client, aud="platform")
    return tokens


GARBAGE_HEADERS: dict[str, str | None] = {
    "no header": None,
    "empty": "",
    "scheme only": "Bearer",
    "basic": "Basic dXNlcjpwYXNz",
    "token without scheme": "{staff}",
    "two tokens": "Bearer {staff} {staff}",
    "dots": "Bearer ...",
    "junk": "Bearer !!!not-a-token!!!",
    "latin-1": "Bearer \xe9\xe8\xff",
    "huge token (16 KiB)": "Bearer " + "A" * 16_000,
    "huge header (200 KiB)": "Bearer " + "A" * 200_000,
    "huge valid-looking token": "Bearer {staff}" + "A" * 8_000,
    "json": 'Bearer {"alg":"none"}',
    "base64 padding": "Bearer {staff}==",
}


@pytest.fixture(scope="module")
def world(unlimited_asgi: Any, engine: sa.Engine, unlimited_settings: Settings) -> World:
    return worlds.build(unlimited_asgi, engine, unlimited_settings, per_victim=1)


def _requests(app: Any, world: World) -> list[Req]:
    served = served_routes(app)
    probe = world.twin()
    seen: set[tuple[str, str]] = set()
    requests = []
    for route in ROUTES:
        if (route.method, route.template) in served and (route.method, route.template) not in seen:
            seen.add((route.method, route.template))
            requests.append(route.build(random.Random(0), probe, world.own_ids))
    return requests


def _send(http: Any, req: Req, headers: dict[str, Any]) -> Any:
    return http.request(req.method, req.url, json=req.body, headers=headers)


def _check_all(
    http: Any, requests: list[Req], headers: dict[str, Any], expected: dict[str, str]
) -> list[str]:
    """Send every request; return the answers that are not exactly `expected`."""
    wrong = []
    baseline: dict[str, str] | None = None
    for req in requests:
        response = _send(http, req, headers)
        kept = {
            k.lower(): v for k, v in response.headers.items() if k.lower() not in VOLATILE_HEADERS
        }
        baseline = baseline or kept
        if response.json() != expected or kept != baseline:
            wrong.append(f"{req.method} {req.url}: {response.status_code} {response.text}")
    return wrong


def test_forged_tokens_get_the_one_401(
    unlimited_http: Any, unlimited_asgi: Any, world: World, backend: str
) -> None:
    requests = _requests(unlimited_asgi.app, world)
    wrong: list[str] = []
    tokens = forged_tokens(world)
    for name, token in tokens.items():
        for headers in (
            factories.bearer(token),
            factories.bearer(token, on_behalf_of=world.a.business_uid),
        ):
            wrong += [
                f"{name}: {w}" for w in _check_all(unlimited_http, requests, headers, UNAUTHORIZED)
            ]
    report("tokens: forged", backend, attempts=2 * len(tokens) * len(requests), failures=len(wrong))
    assert wrong == [], "\n".join(wrong[:10])


def test_garbage_authorization_headers_get_the_one_401(
    unlimited_http: Any, unlimited_asgi: Any, world: World, backend: str
) -> None:
    requests = _requests(unlimited_asgi.app, world)
    wrong: list[str] = []
    for name, template in GARBAGE_HEADERS.items():
        headers: dict[str, Any] = {}
        if template is not None:
            value = template.replace("{staff}", world.a.staff_token)
            headers["Authorization"] = value
        try:
            wrong += [
                f"{name}: {w}" for w in _check_all(unlimited_http, requests, headers, UNAUTHORIZED)
            ]
        except UnicodeEncodeError:
            raw = {"Authorization": value.encode("latin-1")}
            wrong += [
                f"{name}: {w}" for w in _check_all(unlimited_http, requests, raw, UNAUTHORIZED)
            ]
    report(
        "tokens: garbage",
        backend,
        attempts=len(GARBAGE_HEADERS) * len(requests),
        failures=len(wrong),
    )
    assert wrong == [], "\n".join(wrong[:10])


def test_a_valid_client_token_gets_403_everywhere(
    unlimited_http: Any, unlimited_asgi: Any, world: World
) -> None:
    requests = _requests(unlimited_asgi.app, world)
    for headers in (
        factories.bearer(world.client_token),
        factories.bearer(world.client_token, on_behalf_of=world.a.business_uid),
    ):
        assert _check_all(unlimited_http, requests, headers, FORBIDDEN) == []


def _stopped_tokens(engine: sa.Engine, settings: Settings, world: World) -> dict[str, str]:
    """Recorded tokens that stopped working: revoked, expired, principal removed."""
    a = world.a
    now = ids.utcnow()
    expired = factories.token(
        engine,
        settings,
        kind="staff",
        subject_uid=a.staff_uid,
        business_uid=a.business_uid,
        now=now - timedelta(days=2),
        ttl=timedelta(days=1),
    )
    future = factories.token(
        engine,
        settings,
        kind="app",
        subject_uid=a.app_uid,
        business_uid=a.business_uid,
        now=now + timedelta(hours=1),
    )
    expired_client = factories.token(
        engine,
        settings,
        kind="client",
        subject_uid=world.own_ids[0],
        business_uid=a.business_uid,
        now=now - timedelta(days=40),
        ttl=timedelta(days=30),
    )
    revoked = {
        kind: factories.token(
            engine, settings, kind=kind, subject_uid=uid, business_uid=a.business_uid
        )
        for kind, uid in (("staff", a.staff_uid), ("app", a.app_uid), ("client", world.own_ids[1]))
    }
    revoked_directory = factories.token(
        engine,
        settings,
        kind="directory",
        subject_uid=a.directory_uid,
        business_uid=None,
        directory_uid=a.directory_uid,
    )
    gone_staff = factories.staff_member(engine, settings, business_uid=a.business_uid)
    gone = factories.token(
        engine, settings, kind="staff", subject_uid=gone_staff, business_uid=a.business_uid
    )
    factories.revoke_token(settings, *revoked.values(), revoked_directory, now=now)
    factories.delete_staff(settings, business_uid=a.business_uid, staff_uid=gone_staff, now=now)
    return {
        "expired": expired,
        "issued in the future": future,
        "expired client token": expired_client,
        "revoked staff": revoked["staff"],
        "revoked app": revoked["app"],
        "revoked client": revoked["client"],
        "revoked directory": revoked_directory,
        "deleted staff member": gone,
    }


def test_stopped_tokens_get_the_one_401(
    unlimited_http: Any,
    unlimited_asgi: Any,
    world: World,
    engine: sa.Engine,
    unlimited_settings: Settings,
    backend: str,
) -> None:
    requests = _requests(unlimited_asgi.app, world)
    wrong: list[str] = []
    tokens = _stopped_tokens(engine, unlimited_settings, world)
    for name, token in tokens.items():
        headers = factories.bearer(token, on_behalf_of=world.a.business_uid)
        wrong += [
            f"{name}: {w}" for w in _check_all(unlimited_http, requests, headers, UNAUTHORIZED)
        ]
    report("tokens: stopped", backend, attempts=len(tokens) * len(requests), failures=len(wrong))
    assert wrong == [], "\n".join(wrong[:10])


def test_cli_staff_delete_stops_their_tokens_at_once(
    unlimited_served: Any, engine: sa.Engine, unlimited_settings: Settings
) -> None:
    tenant = factories.tenant(engine, unlimited_settings)
    headers = tenant.headers()
    assert unlimited_served.get(worlds.BASE, headers=headers).status_code != 401

    done = subprocess.run(
        [CLIENTBOOK, "staff", "delete", "--business", tenant.business_uid, tenant.staff_uid],
        env={"CLIENTBOOK_DATABASE_URL": unlimited_settings.database_url, "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"deleted": True}
    response = unlimited_served.get(f"{worlds.BASE}/{ids.new_uid()}", headers=headers)
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    app_response = unlimited_served.get(
        f"{worlds.BASE}/{ids.new_uid()}", headers=tenant.headers("app")
    )
    assert app_response.status_code == 404
