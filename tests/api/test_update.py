"""PUT /platform/v1/clients/{id} (contract 5.4), every row of the table, over HTTP."""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa

from clientbook.config import Settings
from tests import factories
from tests.api.support import BASE, create, error_of, get, put
from tests.factories import Tenant
from tests.representations import UPDATE_KEYS

FULL = {
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "phone": "(415) 555-2671",
    "address": "1 Main St",
    "custom_field1": "one",
    "custom_field2": "two",
    "custom_field3": "three",
    "status": "customer",
    "tags": "vip, friend",
    "opt_in": True,
    "source_name": "Fair",
    "source_url": "https://fair.example",
}


def full_client(http: Any, tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    fields = {**FULL, **overrides}
    if isinstance(fields.get("email"), str):
        fields["email"] = f"{time.monotonic_ns()}.{fields['email']}"
    return create(http, tenant, **fields)


def updated(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    client: dict[str, Any] = response.json()["data"]["client"]
    return client


def test_update_returns_the_update_representation_in_contract_order(
    http: Any, tenant: Tenant
) -> None:
    client = full_client(http, tenant)
    body = updated(put(http, tenant, client["id"], {"first_name": "Augusta"}))
    assert list(body) == UPDATE_KEYS
    assert body["first_name"] == "Augusta"
    assert body["id"] == client["id"]
    assert body["tags"] == ["vip", "friend"]
    assert body["opt_in"] == "1"
    assert body["spam"] is False
    assert get(http, tenant, client["id"])["first_name"] == "Augusta"


@pytest.mark.parametrize("kind", ["staff", "app", "directory"])
def test_every_platform_token_kind_can_update(http: Any, tenant: Tenant, kind: str) -> None:
    client = create(http, tenant)
    assert updated(put(http, tenant, client["id"], {"last_name": kind}, kind=kind))[
        "last_name"
    ] == (kind)


# address, mobile_phone and the phone alias


@pytest.mark.parametrize("field", ["address", "mobile_phone", "phone"])
@pytest.mark.parametrize("clear", [None, "", "  "])
def test_force_clearable_field_is_kept_without_force_nullifying(
    http: Any, tenant: Tenant, field: str, clear: Any
) -> None:
    client = full_client(http, tenant)
    body = updated(put(http, tenant, client["id"], {field: clear}))
    column = "mobile_phone" if field == "phone" else field
    assert body[column] == client[column] is not None
    assert body["updated_at"] == client["updated_at"]


@pytest.mark.parametrize("field", ["address", "mobile_phone", "phone"])
@pytest.mark.parametrize("on", [True, "true"])
def test_force_clearable_field_clears_with_force_nullifying(
    http: Any, tenant: Tenant, field: str, on: Any
) -> None:
    client = full_client(http, tenant)
    put(http, tenant, client["id"], {field: None, "force_nullifying": on})
    column = "mobile_phone" if field == "phone" else field
    read = get(http, tenant, client["id"])
    assert read[column] is None
    if column == "mobile_phone":
        assert read["normalized_phone"] is None


@pytest.mark.parametrize("off", [False, "false", "TRUE", 1, "1", None, {"a": 1}])
def test_force_nullifying_other_values_are_off_and_never_an_error(
    http: Any, tenant: Tenant, off: Any
) -> None:
    client = full_client(http, tenant)
    body = updated(put(http, tenant, client["id"], {"address": None, "force_nullifying": off}))
    assert body["address"] == "1 Main St"


def test_phone_sets_mobile_phone_and_normalized_phone(http: Any, tenant: Tenant) -> None:
    client = create(http, tenant)
    body = updated(put(http, tenant, client["id"], {"phone": " 212-555-0100 "}))
    assert body["mobile_phone"] == "212-555-0100"
    assert get(http, tenant, client["id"])["normalized_phone"] == "+12125550100"


def test_mobile_phone_wins_over_phone(http: Any, tenant: Tenant) -> None:
    client = create(http, tenant)
    body = updated(put(http, tenant, client["id"], {"phone": "111", "mobile_phone": "222"}))
    assert body["mobile_phone"] == "222"


def test_mobile_phone_wins_over_phone_for_clearing(http: Any, tenant: Tenant) -> None:
    client = full_client(http, tenant)
    body = {"phone": "212 555 0100", "mobile_phone": None, "force_nullifying": True}
    assert updated(put(http, tenant, client["id"], body))["mobile_phone"] is None


def test_mobile_phone_clear_ignored_also_ignores_phone(http: Any, tenant: Tenant) -> None:
    client = full_client(http, tenant)
    body = updated(put(http, tenant, client["id"], {"phone": "999", "mobile_phone": ""}))
    assert body["mobile_phone"] == "(415) 555-2671"


# fields whose clear request keeps the value

KEPT = {
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "custom_field1": "custom_field1",
    "custom_field2": "custom_field2",
    "custom_field3": "custom_field3",
    "staff_id": "staff_id",
    "status": "customer_status",
    "source_name": "source",
}


@pytest.mark.parametrize("field", [*KEPT, "source_url"])
@pytest.mark.parametrize("clear", [None, " "])
def test_clear_request_of_kept_field_keeps_the_value_even_with_force_nullifying(
    http: Any, tenant: Tenant, field: str, clear: Any
) -> None:
    client = full_client(http, tenant, staff_id=tenant.staff_uid)
    before = get(http, tenant, client["id"])
    response = put(http, tenant, client["id"], {field: clear, "force_nullifying": True})
    assert response.status_code == 200
    assert "X-Ignored-Fields" not in response.headers
    assert get(http, tenant, client["id"]) == before


@pytest.mark.parametrize(
    ("field", "value", "read_as", "expected"),
    [
        ("first_name", " Augusta ", "first_name", "Augusta"),
        ("last_name", "King", "last_name", "King"),
        ("custom_field1", "x", "custom_field1", "x"),
        ("custom_field2", "y", "custom_field2", "y"),
        ("custom_field3", "z", "custom_field3", "z"),
        ("status", "loyal", "customer_status", "loyal"),
        ("source_name", "Referral", "source", "Referral"),
        ("address", "2 High St", "address", "2 High St"),
        ("email", "Ada.King@Example.com", "email", "Ada.King@Example.com"),
    ],
)
def test_field_is_set_and_read_back(
    http: Any, tenant: Tenant, field: str, value: str, read_as: str, expected: str
) -> None:
    client = full_client(http, tenant)
    updated(put(http, tenant, client["id"], {field: value}))
    assert get(http, tenant, client["id"])[read_as] == expected


def test_source_url_is_stored_but_reads_return_the_source_record_url(
    http: Any, tenant: Tenant
) -> None:
    client = full_client(http, tenant)
    response = put(http, tenant, client["id"], {"source_url": "https://other.example"})
    assert response.status_code == 200
    assert get(http, tenant, client["id"])["source_url"] == "https://fair.example"


def test_source_name_changes_the_label_but_not_the_source_record(http: Any, tenant: Tenant) -> None:
    client = full_client(http, tenant, source_channel="web", source_campaign="spring")
    updated(put(http, tenant, client["id"], {"source_name": "Referral"}))
    read = get(http, tenant, client["id"])
    assert (read["source"], read["source_url"], read["channel"], read["campaign"]) == (
        "Referral",
        "https://fair.example",
        "web",
        "spring",
    )


# tags


def test_tags_empty_string_clears_all(http: Any, tenant: Tenant) -> None:
    client = full_client(http, tenant)
    assert updated(put(http, tenant, client["id"], {"tags": ""}))["tags"] == []
    assert get(http, tenant, client["id"])["tags"] == []


def test_tags_null_is_ignored(http: Any, tenant: Tenant) -> None:
    client = full_client(http, tenant)
    assert updated(put(http, tenant, client["id"], {"tags": None}))["tags"] == ["vip", "friend"]


def test_tags_are_parsed_deduplicated_and_replace_the_old_list(http: Any, tenant: Tenant) -> None:
    client = full_client(http, tenant)
    body = updated(put(http, tenant, client["id"], {"tags": " New, ,new,VIP , vip,x"}))
    assert body["tags"] == ["New", "VIP", "x"]
    assert get(http, tenant, client["id"])["tags"] == ["New", "VIP", "x"]


def test_more_than_100_tags_is_422(http: Any, tenant: Tenant) -> None:
    client = create(http, tenant)
    response = put(http, tenant, client["id"], {"tags": ",".join(str(i) for i in range(101))})
    assert error_of(response) == (422, "Validation failed: Tags are too many (maximum is 100)")


def test_100_tags_after_dropping_duplicates_is_accepted(http: Any, tenant: Tenant) -> None:
    client = create(http, tenant)
    labels = [f"t{i}" for i in range(100)]
    body = {"tags": ",".join(labels + [label.upper() for label in labels])}
    assert updated(put(http, tenant, client["id"], body))["tags"] == labels


def test_tag_over_100_characters_is_422(http: Any, tenant: Tenant) -> None:
    client = create(http, tenant)
    response = put(http, tenant, client["id"], {"tags": "ok," + "a" * 101})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "tags": ["has a label that is too long (maximum is 100 characters)"]
    }


# opt_in and spam


@pytest.mark.parametrize(
    ("form", "reads"),
    [
        (True, "1"),
        ("1", "1"),
        (1, "1"),
        ("true", "1"),
        (False, "0"),
        ("0", "0"),
        (0, "0"),
        ("false", "0"),
    ],
)
def test_opt_in_forms(http: Any, tenant: Tenant, form: Any, reads: str) -> None:
    client = create(http, tenant, opt_in=reads != "1")
    assert updated(put(http, tenant, client["id"], {"opt_in": form}))["opt_in"] == reads
    assert get(http, tenant, client["id"])["opt_in"] == reads


@pytest.mark.parametrize(
    ("form", "reads"), [(True, True), ("1", True), (1, True), ("true", True), ("0", False)]
)
def test_spam_forms(http: Any, tenant: Tenant, form: Any, reads: bool) -> None:
    client = create(http, tenant, spam=not reads)
    assert updated(put(http, tenant, client["id"], {"spam": form}))["spam"] is reads
    assert get(http, tenant, client["id"])["spam"] is reads


@pytest.mark.parametrize("field", ["opt_in", "spam"])
@pytest.mark.parametrize("clear", [None, ""])
def test_flag_clear_request_is_ignored(http: Any, tenant: Tenant, field: str, clear: Any) -> None:
    client = create(http, tenant, opt_in=True, spam=True)
    body = updated(put(http, tenant, client["id"], {field: clear, "force_nullifying": True}))
    assert (body["opt_in"], body["spam"]) == ("1", True)


@pytest.mark.parametrize("field", ["opt_in", "spam"])
@pytest.mark.parametrize("bad", ["yes", 2, 1.0, [True]])
def test_flag_other_values_are_422(http: Any, tenant: Tenant, field: str, bad: Any) -> None:
    client = create(http, tenant)
    response = put(http, tenant, client["id"], {field: bad})
    label = "Opt in" if field == "opt_in" else "Spam"
    assert error_of(response) == (422, f"Validation failed: {label} is invalid")


def test_opt_in_is_ignored_when_the_business_has_opt_in_disabled(
    http: Any, engine: sa.Engine, settings: Settings
) -> None:
    quiet = factories.tenant(engine, settings, opt_in_enabled=False)
    client = create(http, quiet)
    body = updated(put(http, quiet, client["id"], {"opt_in": True, "spam": True}))
    assert body["opt_in"] is None
    assert body["spam"] is True


# ignored fields


def test_ignored_fields_are_named_sorted_in_x_ignored_fields(http: Any, tenant: Tenant) -> None:
    client = create(http, tenant)
    body = {
        "zebra": 1,
        "updated_at": "2020-01-01T00:00:00Z",
        "created_at": "2020-01-01T00:00:00Z",
        "source_channel": "x",
        "source_campaign": "y",
        "opt_in_transactional_sms": True,
        "id": "other",
        "first_name": "Ann",
    }
    response = put(http, tenant, client["id"], body)
    assert response.status_code == 200
    assert response.headers["X-Ignored-Fields"] == (
        "created_at,id,opt_in_transactional_sms,source_campaign,source_channel,updated_at,zebra"
    )
    read = get(http, tenant, client["id"])
    assert (read["id"], read["first_name"], read["created_at"]) == (
        client["id"],
        "Ann",
        client["created_at"],
    )
    assert read["channel"] is None


def test_ignored_field_names_a_header_cannot_carry_are_percent_encoded(
    http: Any, tenant: Tenant
) -> None:
    client = create(http, tenant)
    response = put(http, tenant, client["id"], {"名前": 1, "a\r\nX-Evil: 1": 2, "last_name": "X"})
    assert response.status_code == 200
    assert "X-Evil" not in response.headers
    assert response.headers["X-Ignored-Fields"] == "a%0D%0AX-Evil%3A%201,%E5%90%8D%E5%89%8D"
    assert get(http, tenant, client["id"])["last_name"] == "X"


def test_no_x_ignored_fields_header_when_nothing_is_ignored(http: Any, tenant: Tenant) -> None:
    client = create(http, tenant)
    assert "X-Ignored-Fields" not in put(http, tenant, client["id"], {"last_name": "X"}).headers


# validation


def test_invalid_email_is_422(http: Any, tenant: Tenant) -> None:
    client = create(http, tenant)
    response = put(http, tenant, client["id"], {"email": "not-an-email"})
    assert error_of(response) == (422, "Validation failed: Email is invalid")
    assert response.json()["errors"] == {"email": ["is invalid"]}
    assert response.json()["error_code"] == "validation_failed"


def test_status_outside_the_list_is_422(http: Any, tenant: Tenant) -> None:
    client = create(http, tenant)
    response = put(http, tenant, client["id"], {"status": "vip"})
    assert error_of(response) == (422, "Validation failed: Status is not included in the list")


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("first_name", 255),
        ("last_name", 255),
        ("source_name", 255),
        ("mobile_phone", 50),
        ("address", 1000),
        ("custom_field1", 1000),
        ("source_url", 2048),
    ],
)
def test_length_limits_count_characters_of_the_trimmed_value(
    http: Any, tenant: Tenant, field: str, limit: int
) -> None:
    client = create(http, tenant)
    assert put(http, tenant, client["id"], {field: f"  {'ü' * limit}  "}).status_code == 200
    response = put(http, tenant, client["id"], {field: "ü" * (limit + 1)})
    assert error_of(response) == (
        422,
        f"Validation failed: {field.replace('_', ' ').capitalize()} is too long "
        f"(maximum is {limit} characters)",
    )


def test_email_over_254_characters_is_422(http: Any, tenant: Tenant) -> None:
    client = create(http, tenant)
    response = put(http, tenant, client["id"], {"email": "a" * 64 + "@" + "b" * 186 + ".com"})
    assert (
        error_of(response)[1] == "Validation failed: Email is too long (maximum is 254 characters)"
    )


@pytest.mark.parametrize("wrong", [42, 1.5, True, ["Ann"], {"name": "Ann"}])
def test_wrong_json_type_for_a_field_is_422(http: Any, tenant: Tenant, wrong: Any) -> None:
    client = create(http, tenant)
    response = put(http, tenant, client["id"], {"first_name": wrong})
    assert error_of(response) == (422, "Validation failed: First name must be a string")


def test_first_failing_field_decides_and_errors_lists_all(http: Any, tenant: Tenant) -> None:
    client = create(http, tenant)
    response = put(http, tenant, client["id"], {"status": "x", "email": "y", "last_name": 1})
    assert error_of(response) == (422, "Validation failed: Status is not included in the list")
    assert response.json()["errors"] == {
        "status": ["is not included in the list"],
        "email": ["is invalid"],
        "last_name": ["must be a string"],
    }


def test_staff_of_the_same_business_is_accepted(
    http: Any, tenant: Tenant, engine: sa.Engine, settings: Settings
) -> None:
    other_staff = factories.staff_member(engine, settings, business_uid=tenant.business_uid)
    client = create(http, tenant)
    updated(put(http, tenant, client["id"], {"staff_id": other_staff}))
    assert get(http, tenant, client["id"])["staff_id"] == other_staff


@pytest.mark.parametrize("kind", ["foreign", "unknown", "app", "removed"])
def test_staff_id_that_is_not_staff_of_the_business_is_422(
    http: Any, tenant: Tenant, engine: sa.Engine, settings: Settings, kind: str
) -> None:
    other = factories.tenant(engine, settings)
    removed = factories.staff_member(engine, settings, business_uid=tenant.business_uid)
    factories.delete_staff(settings, business_uid=tenant.business_uid, staff_uid=removed)
    staff_id = {
        "foreign": other.staff_uid,
        "unknown": "0" * 16,
        "app": tenant.app_uid,
        "removed": removed,
    }[kind]
    client = create(http, tenant, staff_id=tenant.staff_uid)
    response = put(http, tenant, client["id"], {"staff_id": staff_id})
    assert error_of(response) == (422, "Validation failed: Staff id is invalid")
    assert get(http, tenant, client["id"])["staff_id"] == tenant.staff_uid


# conflicts


def test_email_taken_by_another_live_client_is_409_case_insensitively(
    http: Any, tenant: Tenant
) -> None:
    create(http, tenant, email="taken@example.com")
    client = create(http, tenant, email="mine@example.com")
    response = put(http, tenant, client["id"], {"email": "  TAKEN@Example.COM "})
    assert error_of(response) == (409, "Validation failed: Email has already been taken")
    assert get(http, tenant, client["id"])["email"] == "mine@example.com"


def test_changing_the_case_of_ones_own_email_is_allowed(http: Any, tenant: Tenant) -> None:
    client = create(http, tenant, email="case@example.com")
    assert updated(put(http, tenant, client["id"], {"email": "CASE@example.com"}))["email"] == (
        "CASE@example.com"
    )


def test_same_email_in_another_business_is_allowed(
    http: Any, tenant: Tenant, engine: sa.Engine, settings: Settings
) -> None:
    other = factories.tenant(engine, settings)
    create(http, other, email="shared@example.com")
    client = create(http, tenant)
    assert put(http, tenant, client["id"], {"email": "shared@example.com"}).status_code == 200


# no-op, atomicity, existence


def test_a_put_that_changes_nothing_keeps_updated_at(http: Any, tenant: Tenant) -> None:
    client = full_client(http, tenant)
    before = get(http, tenant, client["id"])
    time.sleep(1.05)
    same = {
        "first_name": "Ada",
        "last_name": " Lovelace ",
        "email": before["email"],
        "status": "customer",
        "tags": "vip,friend",
        "opt_in": "1",
        "spam": False,
        "address": "1 Main St",
        "created_at": "2000-01-01T00:00:00Z",
    }
    body = updated(put(http, tenant, client["id"], same))
    assert body["updated_at"] == before["updated_at"]
    assert get(http, tenant, client["id"]) == before


def test_a_put_that_changes_something_bumps_updated_at(http: Any, tenant: Tenant) -> None:
    client = create(http, tenant)
    time.sleep(1.05)
    body = updated(put(http, tenant, client["id"], {"last_name": "New"}))
    assert body["updated_at"] > client["updated_at"]
    assert body["created_at"] == client["created_at"]
    assert get(http, tenant, client["id"])["updated_at"] == body["updated_at"]


@pytest.mark.parametrize(
    "body",
    [
        {"first_name": "Changed", "email": "bad"},
        {"first_name": "Changed", "status": "vip"},
        {"first_name": "Changed", "tags": "a" * 101},
        {"first_name": "Changed", "staff_id": "0" * 16},
        {"first_name": "Changed", "opt_in": "maybe"},
        [{"first_name": "Changed"}],
    ],
)
def test_a_rejected_put_leaves_the_client_unchanged(http: Any, tenant: Tenant, body: Any) -> None:
    client = full_client(http, tenant)
    before = get(http, tenant, client["id"])
    assert put(http, tenant, client["id"], body).status_code == 422
    assert get(http, tenant, client["id"]) == before


def test_a_409_leaves_the_client_unchanged(http: Any, tenant: Tenant) -> None:
    create(http, tenant, email="first@example.com")
    client = full_client(http, tenant)
    before = get(http, tenant, client["id"])
    response = put(http, tenant, client["id"], {"last_name": "X", "email": "FIRST@example.com"})
    assert response.status_code == 409
    assert get(http, tenant, client["id"]) == before


def test_validation_422_beats_404_for_an_unknown_client(http: Any, tenant: Tenant) -> None:
    response = put(http, tenant, "0" * 16, {"email": "bad"})
    assert error_of(response) == (422, "Validation failed: Email is invalid")


def test_unknown_client_is_404(http: Any, tenant: Tenant) -> None:
    response = put(http, tenant, "0" * 16, {"first_name": "X"})
    assert error_of(response) == (404, "Entity not found")
    assert response.json()["error_code"] == "entity_not_found"


def test_client_of_another_business_is_404_and_unchanged(
    http: Any, tenant: Tenant, engine: sa.Engine, settings: Settings
) -> None:
    other = factories.tenant(engine, settings)
    foreign = create(http, other)
    response = put(http, tenant, foreign["id"], {"first_name": "Mallory"})
    assert error_of(response) == (404, "Entity not found")
    assert get(http, other, foreign["id"])["first_name"] == "Ada"


def test_client_of_another_business_in_the_same_directory_is_404_for_the_directory_token(
    http: Any, tenant: Tenant, engine: sa.Engine, settings: Settings
) -> None:
    sibling = factories.tenant(
        engine, settings, directory=(tenant.directory_uid, tenant.directory_token)
    )
    foreign = create(http, sibling)
    response = put(http, tenant, foreign["id"], {"first_name": "X"}, kind="directory")
    assert error_of(response) == (404, "Entity not found")


def test_trailing_slash_path_is_an_unknown_path_not_a_redirect(http: Any, tenant: Tenant) -> None:
    response = http.put(f"{BASE}/", json={}, headers=tenant.headers())
    assert error_of(response) == (404, "Not found")
