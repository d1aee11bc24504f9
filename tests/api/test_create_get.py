"""POST /platform/v1/clients (contract 5.1) and GET /platform/v1/clients/{id} (5.3)."""

from __future__ import annotations

import re
from typing import Any

import jwt
import pytest
import sqlalchemy as sa

from clientbook.config import Settings
from tests import factories
from tests.api.support import BASE, create, error_of, get
from tests.conftest import TEST_SECRET
from tests.factories import Tenant
from tests.representations import CREATE_KEYS, SINGLE_KEYS

UID = re.compile(r"[0-9a-z]{16}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def post(http: Any, tenant: Tenant, body: Any, kind: str = "staff") -> Any:
    return http.post(BASE, json=body, headers=tenant.headers(kind))


def test_create_returns_201_with_the_create_representation_and_a_token(
    http: Any, tenant: Tenant
) -> None:
    response = post(
        http,
        tenant,
        {
            "first_name": " Ada ",
            "last_name": "Lovelace",
            "email": "Ada@Example.com",
            "phone": "(415) 555-2671",
            "address": "1 Main St",
            "tags": "vip, VIP, math",
            "opt_in": "1",
            "status": "customer",
            "source_name": "Fair",
            "source_url": "https://fair.example",
            "source_channel": "web",
            "source_campaign": "spring",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "OK"
    assert list(body["data"]) == ["client", "token"]
    client = body["data"]["client"]
    assert list(client) == CREATE_KEYS
    assert UID.fullmatch(client["id"])
    assert TIMESTAMP.fullmatch(client["created_at"])
    assert client["created_at"] == client["updated_at"]
    assert client["first_name"] == "Ada"
    assert client["email"] == "Ada@Example.com"
    assert client["mobile_phone"] == "(415) 555-2671"
    assert client["customer_status"] == "customer"
    assert client["tags"] == ["vip", "math"]
    assert client["opt_in"] == "1"
    assert client["spam"] is False
    assert client["source_data"] == {
        "campaign": "spring",
        "channel": "web",
        "name": "Fair",
        "website_url": "https://fair.example",
    }
    assert list(client["source_data"]) == ["campaign", "channel", "name", "website_url"]


def test_created_client_reads_back_with_source_record_and_default_matter(
    http: Any, tenant: Tenant
) -> None:
    created = create(
        http,
        tenant,
        last_name="Lovelace",
        source_name="Fair",
        source_url="https://fair.example",
        source_channel="web",
        source_campaign="spring",
        staff_id=tenant.staff_uid,
        custom_field2="c2",
    )
    read = get(http, tenant, created["id"])
    assert list(read) == SINGLE_KEYS
    assert read["source"] == "Fair"
    assert (read["source_url"], read["channel"], read["campaign"]) == (
        "https://fair.example",
        "web",
        "spring",
    )
    assert read["customer_status"] == "lead"
    assert read["tags"] == []
    assert read["opt_in"] is None
    assert read["matter_term"] == "clients"
    assert read["staff_id"] == tenant.staff_uid
    assert read["custom_field2"] == "c2"
    [matter] = read["matters"]
    assert list(matter) == ["uid", "display_name", "fields"]
    assert UID.fullmatch(matter["uid"])
    assert matter["display_name"] == "Ada Lovelace"
    assert matter["fields"] == []
    for key in ("created_at", "updated_at", "email", "first_name", "id"):
        assert read[key] == created[key]


def test_default_matter_is_named_after_the_first_name_alone_without_last_name(
    http: Any, tenant: Tenant
) -> None:
    created = create(http, tenant, first_name="Cher")
    assert get(http, tenant, created["id"])["matters"][0]["display_name"] == "Cher"


@pytest.mark.parametrize("kind", ["staff", "app", "directory"])
def test_source_defaults_to_initiated_by_the_token_kind(
    http: Any, tenant: Tenant, kind: str
) -> None:
    response = post(http, tenant, {"first_name": "Ada"}, kind=kind)
    assert response.status_code == 201
    client = response.json()["data"]["client"]
    assert client["source_data"] == {
        "campaign": None,
        "channel": None,
        "name": f"Initiated by {kind}",
        "website_url": None,
    }
    assert get(http, tenant, client["id"])["source"] == f"Initiated by {kind}"


def test_mobile_phone_is_accepted_and_wins_over_phone(http: Any, tenant: Tenant) -> None:
    client = create(http, tenant, phone="111", mobile_phone="212 555 0100")
    assert client["mobile_phone"] == "212 555 0100"
    assert get(http, tenant, client["id"])["normalized_phone"] == "+12125550100"


@pytest.mark.parametrize(
    "body", [{}, {"first_name": None}, {"first_name": "   "}, {"last_name": "X"}]
)
def test_first_name_missing_null_or_blank_is_422(http: Any, tenant: Tenant, body: Any) -> None:
    response = post(http, tenant, body)
    assert error_of(response) == (422, "Validation failed: First name can't be blank")
    assert response.json()["errors"]["first_name"] == ["can't be blank"]


def test_unknown_attribute_is_422(http: Any, tenant: Tenant) -> None:
    response = post(http, tenant, {"first_name": "Ada", "nickname": "A"})
    assert error_of(response) == (422, "unknown attribute 'nickname' for Client")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"email": "nope"}, "Validation failed: Email is invalid"),
        ({"status": "customer_status"}, "Validation failed: Status is not included in the list"),
        ({"first_name": 7}, "Validation failed: First name must be a string"),
        (
            {"tags": ",".join(str(i) for i in range(101))},
            "Validation failed: Tags are too many (maximum is 100)",
        ),
        (
            {"last_name": "x" * 256},
            "Validation failed: Last name is too long (maximum is 255 characters)",
        ),
        ({"staff_id": "0" * 16}, "Validation failed: Staff id is invalid"),
        ({"spam": "maybe"}, "Validation failed: Spam is invalid"),
    ],
)
def test_shared_fields_are_validated_as_in_update(
    http: Any, tenant: Tenant, body: dict[str, Any], message: str
) -> None:
    response = post(http, tenant, {"first_name": "Ada", **body})
    assert error_of(response) == (422, message)


def test_staff_of_another_business_is_422_on_create(
    http: Any, tenant: Tenant, engine: sa.Engine, settings: Settings
) -> None:
    other = factories.tenant(engine, settings)
    response = post(http, tenant, {"first_name": "Ada", "staff_id": other.staff_uid})
    assert error_of(response) == (422, "Validation failed: Staff id is invalid")


def test_same_email_as_a_live_client_is_409_case_insensitively(http: Any, tenant: Tenant) -> None:
    create(http, tenant, email="dup@example.com")
    response = post(http, tenant, {"first_name": "Bob", "email": " DUP@example.COM "})
    assert error_of(response) == (409, "Client already exist")
    assert response.json()["error_code"] == "conflict"


def test_a_refused_create_writes_none_of_its_rows(
    http: Any, tenant: Tenant, engine: sa.Engine
) -> None:
    """A create is its four rows (client, source record, matter, client token) or none:
    on PostgreSQL they are one statement outside any transaction (store/database.py)."""
    create(http, tenant, email="taken@example.com")

    def rows() -> dict[str, int]:
        counts = {}
        with engine.connect() as conn:
            for table in ("clients", "source_records", "matters"):
                counts[table] = conn.execute(
                    sa.text(f"SELECT count(*) FROM {table} WHERE business_uid = :b"),
                    {"b": tenant.business_uid},
                ).scalar_one()
            counts["tokens"] = conn.execute(
                sa.text("SELECT count(*) FROM tokens WHERE kind = 'client' AND business_uid = :b"),
                {"b": tenant.business_uid},
            ).scalar_one()
        return counts

    before = rows()
    assert before == {"clients": 1, "source_records": 1, "matters": 1, "tokens": 1}
    taken = post(http, tenant, {"first_name": "Bob", "email": "TAKEN@example.com"})
    invalid = post(http, tenant, {"first_name": "Bob", "email": "not an email"})
    assert (taken.status_code, invalid.status_code) == (409, 422)
    assert rows() == before


def test_same_email_in_another_business_is_fine(
    http: Any, tenant: Tenant, engine: sa.Engine, settings: Settings
) -> None:
    other = factories.tenant(engine, settings)
    create(http, other, email="both@example.com")
    create(http, tenant, email="both@example.com")


def test_opt_in_is_null_when_the_business_has_opt_in_disabled(
    http: Any, engine: sa.Engine, settings: Settings
) -> None:
    quiet = factories.tenant(engine, settings, opt_in_enabled=False)
    assert create(http, quiet, opt_in=True)["opt_in"] is None


def test_client_token_is_a_client_jwt_and_is_forbidden_on_platform_endpoints(
    http: Any, tenant: Tenant
) -> None:
    response = post(http, tenant, {"first_name": "Ada"})
    client_id = response.json()["data"]["client"]["id"]
    token = response.json()["data"]["token"]
    claims = jwt.decode(token, TEST_SECRET, algorithms=["HS256"], audience="client")
    assert (claims["kind"], claims["sub"], claims["business_uid"], claims["iss"]) == (
        "client",
        client_id,
        tenant.business_uid,
        "clientbook",
    )
    headers = factories.bearer(token)
    for response in (
        http.get(f"{BASE}/{client_id}", headers=headers),
        http.put(f"{BASE}/{client_id}", json={"first_name": "X"}, headers=headers),
        http.post(BASE, json={"first_name": "X"}, headers=headers),
    ):
        assert response.json() == {
            "status": "Error",
            "error": "Forbidden",
            "error_code": "forbidden",
        }
        assert response.status_code == 403


def test_get_returns_normalized_phone_in_e164_for_the_business_country(
    http: Any, engine: sa.Engine, settings: Settings
) -> None:
    british = factories.tenant(engine, settings, country="GB")
    client = create(http, british, phone="020 7946 0958")
    assert get(http, british, client["id"])["normalized_phone"] == "+442079460958"


def test_get_normalized_phone_is_null_for_a_number_invalid_in_the_country(
    http: Any, tenant: Tenant
) -> None:
    client = create(http, tenant, phone="020 7946 0958")
    assert get(http, tenant, client["id"])["normalized_phone"] is None


def test_get_unknown_client_is_404(http: Any, tenant: Tenant) -> None:
    response = http.get(f"{BASE}/{'0' * 16}", headers=tenant.headers())
    assert error_of(response) == (404, "Entity not found")


def test_get_client_of_another_business_is_404(
    http: Any, tenant: Tenant, engine: sa.Engine, settings: Settings
) -> None:
    other = factories.tenant(engine, settings)
    foreign = create(http, other)
    response = http.get(f"{BASE}/{foreign['id']}", headers=tenant.headers())
    assert error_of(response) == (404, "Entity not found")
