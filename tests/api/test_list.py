"""GET /platform/v1/clients (contract 5.2) through HTTP, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from clientbook.store.tables import clients
from clientbook.store.uow import transaction
from tests.api.support import BASE, create, error_of
from tests.factories import Tenant
from tests.factories import tenant as new_tenant
from tests.representations import LIST_ITEM_KEYS


def listing(http: Any, tenant: Tenant, **params: Any) -> list[dict[str, Any]]:
    response = http.get(BASE, params=params, headers=tenant.headers())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "OK"
    assert list(body["data"]) == ["clients"]
    items: list[dict[str, Any]] = body["data"]["clients"]
    return items


def ids_of(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def refused(http: Any, tenant: Tenant, **params: Any) -> tuple[int, str]:
    return error_of(http.get(BASE, params=params, headers=tenant.headers()))


def set_updated_at(engine: sa.Engine, tenant: Tenant, client_id: str, moment: datetime) -> None:
    with transaction(engine, write=True) as conn:
        conn.execute(
            clients.update()
            .where(clients.c.business_uid == tenant.business_uid, clients.c.id == client_id)
            .values(updated_at=moment)
        )


def test_list_items_in_creation_order_with_exact_representation(http: Any, tenant: Tenant) -> None:
    first = create(
        http,
        tenant,
        last_name="Lovelace",
        email="ada@example.com",
        phone="+1 202 555 0143",
        tags="vip",
        opt_in=True,
        source_name="Web",
        source_url="https://example.com",
        source_channel="ads",
        source_campaign="spring",
        custom_field1="c1",
    )
    second = create(http, tenant, first_name="Grace")

    items = listing(http, tenant)

    assert ids_of(items) == [first["id"], second["id"]]
    item = items[0]
    assert list(item) == LIST_ITEM_KEYS
    assert item == {
        "id": first["id"],
        "first_name": "Ada",
        "last_name": "Lovelace",
        "mobile_phone": "+1 202 555 0143",
        "email": "ada@example.com",
        "address": None,
        "created_at": first["created_at"],
        "updated_at": first["updated_at"],
        "customer_status": "lead",
        "tags": ["vip"],
        "opt_in": "1",
        "source": "Web",
        "source_url": "https://example.com",
        "channel": "ads",
        "campaign": "spring",
        "custom_field1": "c1",
        "custom_field2": None,
        "custom_field3": None,
        "business_uid": tenant.business_uid,
        "normalized_phone": "+12025550143",
        "spam": False,
        "staff_id": None,
    }


def test_empty_business_lists_nothing_and_other_businesses_are_invisible(
    http: Any, tenant: Tenant, engine: sa.Engine, settings: Any
) -> None:
    other = new_tenant(engine, settings)
    create(http, other, email="someone@example.com")
    assert listing(http, tenant) == []
    assert listing(http, tenant, search_term="someone") == []


def test_pages(http: Any, tenant: Tenant) -> None:
    made = [create(http, tenant, first_name=f"N{i}")["id"] for i in range(5)]
    assert ids_of(listing(http, tenant, per_page=2)) == made[:2]
    assert ids_of(listing(http, tenant, per_page=2, page=2)) == made[2:4]
    assert ids_of(listing(http, tenant, per_page=2, page=3)) == made[4:]
    assert listing(http, tenant, per_page=2, page=4) == []
    assert ids_of(listing(http, tenant, per_page=100)) == made


def test_default_page_size_is_25(http: Any, tenant: Tenant, engine: sa.Engine) -> None:
    made = [create(http, tenant, first_name=f"N{i}")["id"] for i in range(27)]
    assert ids_of(listing(http, tenant)) == made[:25]
    assert ids_of(listing(http, tenant, page=2)) == made[25:]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": "0"}, "Page must be greater than or equal to 1"),
        ({"page": "-1"}, "Page must be greater than or equal to 1"),
        ({"page": "x"}, "Page must be an integer"),
        ({"page": "1.5"}, "Page must be an integer"),
        ({"page": ""}, "Page must be an integer"),
        ({"page": "10000001"}, "Page must be less than or equal to 10000000"),
        ({"page": "9" * 30}, "Page must be less than or equal to 10000000"),
        ({"per_page": "0"}, "Per page must be greater than or equal to 1"),
        ({"per_page": "101"}, "Per page must be less than or equal to 100"),
        ({"per_page": "ten"}, "Per page must be an integer"),
        ({"search_by": "email"}, "Search term can't be blank"),
        ({"search_by": "email", "search_term": " "}, "Search term can't be blank"),
        ({"search_by": "name", "search_term": "a"}, "Search by is not included in the list"),
        ({"search_by": "updated_at", "search_term": "yesterday"}, "Search term is invalid"),
        ({"search_term": "x" * 256}, "Search term is too long (maximum is 255 characters)"),
        ({"search_term": "a\x1fb"}, "Search term is invalid"),
        ({"updated_at[gte]": "2026-13-01"}, "Updated at[gte] is invalid"),
        ({"updated_at[lte]": "soon"}, "Updated at[lte] is invalid"),
        ({"updated_at[lte]": "2026-01-01T25:00:00Z"}, "Updated at[lte] is invalid"),
        ({"phone_exists": "yes"}, "Phone exists must be true, false, 1 or 0"),
    ],
)  # fmt: skip
def test_bad_query_parameters_are_refused(
    http: Any, tenant: Tenant, params: dict[str, str], message: str
) -> None:
    assert refused(http, tenant, **params) == (422, f"Validation failed: {message}")


def test_422_carries_errors_by_parameter(http: Any, tenant: Tenant) -> None:
    body = http.get(BASE, params={"per_page": "500"}, headers=tenant.headers()).json()
    assert body == {
        "status": "Error",
        "error": "Validation failed: Per page must be less than or equal to 100",
        "error_code": "validation_failed",
        "errors": {"per_page": ["must be less than or equal to 100"]},
    }


def test_authentication_comes_before_validation(http: Any, tenant: Tenant) -> None:
    response = http.get(BASE, params={"per_page": "500"})
    assert error_of(response) == (401, "Unauthorized")


def test_search_by_email_is_exact_and_case_insensitive(http: Any, tenant: Tenant) -> None:
    ada = create(http, tenant, email="Ada@Example.com")
    create(http, tenant, email="ada@example.com.au")
    assert ids_of(listing(http, tenant, search_by="email", search_term="aDA@example.COM")) == [
        ada["id"]
    ]
    assert listing(http, tenant, search_by="email", search_term="ada@") == []


def test_search_by_uid(http: Any, tenant: Tenant) -> None:
    create(http, tenant)
    grace = create(http, tenant, first_name="Grace")
    assert ids_of(listing(http, tenant, search_by="uid", search_term=grace["id"])) == [grace["id"]]
    assert listing(http, tenant, search_by="uid", search_term="nope") == []


def test_search_by_phone_digits_or_e164(http: Any, tenant: Tenant) -> None:
    formatted = create(http, tenant, phone="(202) 555-0143")
    local = create(http, tenant, phone="202-555-0100")
    create(http, tenant, phone="999")

    assert ids_of(listing(http, tenant, search_by="phone", search_term="2025550143")) == [
        formatted["id"]
    ]
    # E.164 of the term equals the normalized phone, though the digits differ (+1).
    assert ids_of(listing(http, tenant, search_by="phone", search_term="+1 202 555 0100")) == [
        local["id"]
    ]
    assert listing(http, tenant, search_by="phone", search_term="555") == []
    assert listing(http, tenant, search_by="phone", search_term="no digits") == []


def test_search_by_updated_at_is_at_or_after(http: Any, tenant: Tenant, engine: sa.Engine) -> None:
    old = create(http, tenant, first_name="Old")["id"]
    new = create(http, tenant, first_name="New")["id"]
    set_updated_at(engine, tenant, old, datetime(2025, 1, 1, 12))
    set_updated_at(engine, tenant, new, datetime(2025, 3, 1, 12))

    assert ids_of(listing(http, tenant, search_by="updated_at", search_term="2025-03-01")) == [new]
    assert ids_of(
        listing(http, tenant, search_by="updated_at", search_term="2025-01-01T12:00:00Z")
    ) == [old, new]
    assert listing(http, tenant, search_by="updated_at", search_term="2025-03-01T12:00:01Z") == []


def test_updated_at_bounds_with_dates_and_date_times(
    http: Any, tenant: Tenant, engine: sa.Engine
) -> None:
    made = [create(http, tenant, first_name=f"N{i}")["id"] for i in range(3)]
    set_updated_at(engine, tenant, made[0], datetime(2025, 1, 1, 0, 0))
    set_updated_at(engine, tenant, made[1], datetime(2025, 1, 1, 23, 59, 59, 999999))
    set_updated_at(engine, tenant, made[2], datetime(2025, 1, 2, 0, 0))

    assert ids_of(listing(http, tenant, **{"updated_at[lte]": "2025-01-01"})) == made[:2]
    assert ids_of(listing(http, tenant, **{"updated_at[gte]": "2025-01-01"})) == made
    assert ids_of(listing(http, tenant, **{"updated_at[gte]": "2025-01-02"})) == made[2:]
    assert ids_of(listing(http, tenant, **{"updated_at[lte]": "2025-01-01T23:59:59Z"})) == made[:1]
    # An offset is converted to UTC: 2025-01-02T01:00+02:00 is 2025-01-01T23:00Z.
    assert (
        ids_of(
            listing(
                http,
                tenant,
                **{"updated_at[gte]": "2025-01-02T01:00:00+02:00", "updated_at[lte]": "2025-01-01"},
            )
        )
        == made[1:2]
    )
    assert listing(http, tenant, **{"updated_at[gte]": "2025-01-03"}) == []


def test_search_term_alone_is_a_substring_of_names_email_or_phone(
    http: Any, tenant: Tenant
) -> None:
    ada = create(http, tenant, last_name="Lovelace", email="countess@example.com")["id"]
    grace = create(http, tenant, first_name="Grace", last_name="Hopper", phone="202-555-0199")["id"]
    create(http, tenant, first_name="Alan", last_name="Turing")

    assert ids_of(listing(http, tenant, search_term="ada")) == [ada]
    assert ids_of(listing(http, tenant, search_term="LOVE")) == [ada]
    assert ids_of(listing(http, tenant, search_term="ada lovelace")) == [ada]
    assert ids_of(listing(http, tenant, search_term="COUNTESS@")) == [ada]
    assert ids_of(listing(http, tenant, search_term="555-01")) == [grace]
    assert len(listing(http, tenant, search_term="A")) == 3
    assert ids_of(listing(http, tenant, search_term="e h")) == [grace]
    # A match never spans two fields, and LIKE wildcards are taken literally.
    assert listing(http, tenant, search_term="lovelace countess") == []
    assert listing(http, tenant, search_term="%") == []
    assert listing(http, tenant, search_term="_") == []


def test_phone_exists(http: Any, tenant: Tenant) -> None:
    with_phone = create(http, tenant, phone="202-555-0199")["id"]
    without = create(http, tenant)["id"]
    for word in ("true", "1", "TRUE"):
        assert ids_of(listing(http, tenant, phone_exists=word)) == [with_phone]
    for word in ("false", "0"):
        assert ids_of(listing(http, tenant, phone_exists=word)) == [without]


def test_filters_combine(http: Any, tenant: Tenant) -> None:
    create(http, tenant, first_name="Ann", phone="202-555-0199")
    ann = create(http, tenant, first_name="Anna")["id"]
    assert ids_of(listing(http, tenant, search_term="ann", phone_exists="false")) == [ann]


def test_deleted_clients_never_appear(http: Any, tenant: Tenant) -> None:
    gone = create(http, tenant, email="gone@example.com", phone="202-555-0199")
    kept = create(http, tenant, first_name="Kept")
    assert http.delete(f"{BASE}/{gone['id']}", headers=tenant.headers()).status_code == 200

    assert ids_of(listing(http, tenant)) == [kept["id"]]
    assert listing(http, tenant, search_term="gone") == []
    assert listing(http, tenant, search_by="uid", search_term=gone["id"]) == []
    assert listing(http, tenant, search_by="email", search_term="gone@example.com") == []
    assert listing(http, tenant, search_by="phone", search_term="2025550199") == []
    now = datetime.now(UTC) - timedelta(hours=1)
    assert ids_of(
        listing(http, tenant, search_by="updated_at", search_term=now.strftime("%Y-%m-%d"))
    ) == [kept["id"]]
