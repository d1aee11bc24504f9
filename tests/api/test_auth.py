"""Authentication and who may act on which business (contract section 2)."""

from __future__ import annotations

import warnings
from datetime import timedelta
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from jwt.warnings import InsecureKeyLengthWarning

from clientbook import cli, ids
from clientbook.config import Settings
from tests import factories
from tests.api.support import BASE, create, error_of
from tests.conftest import TEST_SECRET
from tests.factories import Tenant

UNAUTHORIZED = {"status": "Error", "error": "Unauthorized", "error_code": "unauthorized"}


def get_with(http: Any, client_id: str, headers: dict[str, str]) -> Any:
    return http.get(f"{BASE}/{client_id}", headers=headers)


def claims_for(tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    now = ids.utcnow()
    claims: dict[str, Any] = {
        "iss": "clientbook",
        "aud": "platform",
        "sub": tenant.staff_uid,
        "kind": "staff",
        "business_uid": tenant.business_uid,
        "iat": int(now.timestamp()) - 10,
        "exp": int(now.timestamp()) + 3600,
        "jti": "j" * 32,
    }
    claims.update(overrides)
    return claims


@pytest.mark.parametrize("kind", ["staff", "app", "directory"])
def test_each_platform_token_kind_acts_on_its_business(
    http: Any, tenant: Tenant, kind: str
) -> None:
    client = create(http, tenant)
    assert get_with(http, client["id"], tenant.headers(kind)).status_code == 200


@pytest.mark.parametrize("kind", ["staff", "app"])
def test_staff_and_app_tokens_accept_their_own_business_in_x_on_behalf_of(
    http: Any, tenant: Tenant, kind: str
) -> None:
    client = create(http, tenant)
    headers = {**tenant.headers(kind), "X-On-Behalf-Of": tenant.business_uid}
    assert get_with(http, client["id"], headers).status_code == 200


@pytest.mark.parametrize("kind", ["staff", "app"])
@pytest.mark.parametrize("header", ["other", "", "0" * 16])
def test_staff_and_app_tokens_with_another_x_on_behalf_of_are_401(
    http: Any, tenant: Tenant, engine: sa.Engine, settings: Settings, kind: str, header: str
) -> None:
    other = factories.tenant(engine, settings)
    client = create(http, tenant)
    value = other.business_uid if header == "other" else header
    response = get_with(http, client["id"], {**tenant.headers(kind), "X-On-Behalf-Of": value})
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


@pytest.mark.parametrize("name", ["x-on-behalf-of", "X-ON-BEHALF-OF", "X-On-Behalf-Of"])
def test_x_on_behalf_of_header_name_is_case_insensitive(
    http: Any, tenant: Tenant, name: str
) -> None:
    client = create(http, tenant)
    headers = {"Authorization": f"Bearer {tenant.directory_token}", name: tenant.business_uid}
    assert get_with(http, client["id"], headers).status_code == 200


def test_directory_token_without_x_on_behalf_of_is_401_with_the_exact_message(
    http: Any, tenant: Tenant
) -> None:
    response = http.post(
        BASE, json={"first_name": "Ada"}, headers=factories.bearer(tenant.directory_token)
    )
    assert response.status_code == 401
    assert response.json() == {
        "status": "Error",
        "error": "X-On-Behalf-Of header is required for directory tokens",
        "error_code": "unauthorized",
    }


@pytest.mark.parametrize("target", ["foreign", "unknown", "empty"])
def test_directory_token_for_a_business_outside_the_directory_is_401(
    http: Any, tenant: Tenant, engine: sa.Engine, settings: Settings, target: str
) -> None:
    other = factories.tenant(engine, settings)
    business = {"foreign": other.business_uid, "unknown": "0" * 16, "empty": ""}[target]
    headers = factories.bearer(tenant.directory_token, on_behalf_of=business)
    response = http.post(BASE, json={"first_name": "Ada"}, headers=headers)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_directory_token_acts_on_any_business_of_its_directory(
    http: Any, tenant: Tenant, engine: sa.Engine, settings: Settings
) -> None:
    sibling = factories.tenant(
        engine, settings, directory=(tenant.directory_uid, tenant.directory_token)
    )
    client = create(http, sibling)
    headers = factories.bearer(tenant.directory_token, on_behalf_of=sibling.business_uid)
    assert get_with(http, client["id"], headers).status_code == 200


def test_token_revoked_with_admin_revoke_token_is_401_at_once(
    http: Any, engine: sa.Engine, settings: Settings
) -> None:
    tenant = factories.tenant(engine, settings)
    client = create(http, tenant)
    factories.revoke_token(settings, tenant.staff_token)
    response = get_with(http, client["id"], tenant.headers("staff"))
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert get_with(http, client["id"], tenant.headers("app")).status_code == 200


def test_token_revoked_with_the_cli_is_401_at_once(
    http: Any,
    engine: sa.Engine,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tenant = factories.tenant(engine, settings)
    client = create(http, tenant)
    monkeypatch.setenv("CLIENTBOOK_SECRET_KEY", TEST_SECRET)
    argv = ["token", "revoke", tenant.app_token, "--database-url", settings.database_url]
    assert cli.main(argv) == 0
    assert '"revoked": true' in capsys.readouterr().out
    response = get_with(http, client["id"], tenant.headers("app"))
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_revoked_directory_token_is_401(http: Any, engine: sa.Engine, settings: Settings) -> None:
    tenant = factories.tenant(engine, settings)
    client = create(http, tenant)
    factories.revoke_token(settings, tenant.directory_token)
    assert get_with(http, client["id"], tenant.headers("directory")).json() == UNAUTHORIZED


def test_deleted_staff_members_token_is_401(
    http: Any, engine: sa.Engine, settings: Settings
) -> None:
    tenant = factories.tenant(engine, settings)
    client = create(http, tenant)
    factories.delete_staff(settings, business_uid=tenant.business_uid, staff_uid=tenant.staff_uid)
    response = get_with(http, client["id"], tenant.headers("staff"))
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_revoked_client_token_is_401_not_403(
    http: Any, tenant: Tenant, settings: Settings, engine: sa.Engine
) -> None:
    response = http.post(BASE, json={"first_name": "Ada"}, headers=tenant.headers())
    token = response.json()["data"]["token"]
    factories.revoke_token(settings, token)
    assert http.post(BASE, json={"first_name": "X"}, headers=factories.bearer(token)).json() == (
        UNAUTHORIZED
    )


def test_expired_token_is_401(
    http: Any, tenant: Tenant, engine: sa.Engine, settings: Settings
) -> None:
    client = create(http, tenant)
    expired = factories.token(
        engine,
        settings,
        kind="staff",
        subject_uid=tenant.staff_uid,
        business_uid=tenant.business_uid,
        now=ids.utcnow() - timedelta(days=2),
        ttl=timedelta(days=1),
    )
    response = get_with(http, client["id"], factories.bearer(expired))
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


BAD_HEADERS = {
    "missing": None,
    "empty": "",
    "scheme only": "Bearer",
    "basic": "Basic dXNlcjpwYXNz",
    "garbage token": "Bearer not.a.jwt",
    "two tokens": "Bearer a b",
    "token without scheme": "TOKEN",
}


@pytest.mark.parametrize("case", list(BAD_HEADERS))
def test_malformed_authorization_header_is_401(http: Any, tenant: Tenant, case: str) -> None:
    client = create(http, tenant)
    value = BAD_HEADERS[case]
    if case == "token without scheme":
        value = tenant.staff_token
    headers = {} if value is None else {"Authorization": value}
    response = get_with(http, client["id"], headers)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_bearer_scheme_is_case_insensitive(http: Any, tenant: Tenant) -> None:
    client = create(http, tenant)
    headers = {"Authorization": f"bearer {tenant.staff_token}"}
    assert get_with(http, client["id"], headers).status_code == 200


def _forged(tenant: Tenant, case: str) -> str:
    real = jwt.decode(tenant.staff_token, TEST_SECRET, algorithms=["HS256"], audience="platform")
    if case == "bad signature":
        return jwt.encode(real, "another-secret-key-0123456789abcdef", algorithm="HS256")
    if case == "alg none":
        return jwt.encode(real, None, algorithm="none")
    if case == "alg HS512":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureKeyLengthWarning)  # our key is for HS256
            return jwt.encode(real, TEST_SECRET, algorithm="HS512")
    if case == "unrecorded jti":
        return jwt.encode(claims_for(tenant), TEST_SECRET, algorithm="HS256")
    if case == "wrong issuer":
        return jwt.encode({**real, "iss": "someone"}, TEST_SECRET, algorithm="HS256")
    if case == "client audience":
        return jwt.encode({**real, "aud": "client"}, TEST_SECRET, algorithm="HS256")
    if case == "other business claim":
        return jwt.encode({**real, "business_uid": "0" * 16}, TEST_SECRET, algorithm="HS256")
    if case == "kind changed to app":
        return jwt.encode({**real, "kind": "app"}, TEST_SECRET, algorithm="HS256")
    if case == "tampered payload":
        head, _payload, signature = tenant.staff_token.split(".")
        other = jwt.encode({**real, "sub": "x"}, TEST_SECRET, algorithm="HS256").split(".")[1]
        return f"{head}.{other}.{signature}"
    raise AssertionError(case)


@pytest.mark.parametrize(
    "case",
    [
        "bad signature",
        "alg none",
        "alg HS512",
        "unrecorded jti",
        "wrong issuer",
        "client audience",
        "other business claim",
        "kind changed to app",
        "tampered payload",
    ],
)
def test_forged_or_altered_token_is_401_with_the_same_body(
    http: Any, tenant: Tenant, case: str
) -> None:
    client = create(http, tenant)
    response = get_with(http, client["id"], factories.bearer(_forged(tenant, case)))
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_401_is_decided_before_the_client_existence(http: Any) -> None:
    assert error_of(get_with(http, "0" * 16, {})) == (401, "Unauthorized")
