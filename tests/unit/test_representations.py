"""The representations of contract section 4: exact field order (no I/O)."""

from __future__ import annotations

from datetime import datetime

from clientbook.domain import representations
from clientbook.domain.model import Client, ClientView, Matter, SourceRecord
from tests.representations import CREATE_KEYS, SINGLE_KEYS, UPDATE_KEYS

CLIENT = Client(
    business_uid="b" * 16,
    id="c" * 16,
    first_name="Ada",
    last_name="Lovelace",
    email="ada@example.com",
    mobile_phone="(415) 555-2671",
    normalized_phone="+14155552671",
    status="customer",
    tags=["vip"],
    opt_in=False,
    spam=True,
    source="Fair",
    source_url="https://row.example",
    staff_id="s" * 16,
    created_at=datetime(2024, 1, 2, 3, 4, 5, 678901),
    updated_at=datetime(2024, 1, 2, 3, 4, 6),
)
SOURCE = SourceRecord(
    uid="r" * 16, name="Fair", url="https://record.example", channel="web", campaign="spring"
)
VIEW = ClientView(client=CLIENT, source=SOURCE, matters=[Matter(uid="m" * 16, display_name="Ada")])


def test_single_representation_has_the_contract_order_and_values() -> None:
    body = representations.single(VIEW)
    assert list(body) == SINGLE_KEYS
    assert body["created_at"] == "2024-01-02T03:04:05Z"
    assert body["customer_status"] == "customer"
    assert body["opt_in"] == "0"
    assert body["source_url"] == "https://record.example"
    assert body["channel"] == "web"
    assert body["campaign"] == "spring"
    assert body["matters"] == [{"uid": "m" * 16, "display_name": "Ada", "fields": []}]
    assert body["matter_term"] == "clients"
    assert body["spam"] is True


def test_list_item_is_single_without_matters_with_business_uid_after_custom_fields() -> None:
    keys = [k for k in SINGLE_KEYS if k not in ("matters", "matter_term")]
    keys.insert(keys.index("custom_field3") + 1, "business_uid")
    assert list(representations.list_item(VIEW)) == keys


def test_update_representation_order() -> None:
    body = representations.update(CLIENT)
    assert list(body) == UPDATE_KEYS
    assert body["tags"] == ["vip"]


def test_create_representation_order_and_source_data() -> None:
    body = representations.create(CLIENT, SOURCE)
    assert list(body) == CREATE_KEYS
    assert body["source_data"] == {
        "campaign": "spring",
        "channel": "web",
        "name": "Fair",
        "website_url": "https://record.example",
    }
    assert list(body["source_data"]) == ["campaign", "channel", "name", "website_url"]


def test_opt_in_reads_1_0_or_null() -> None:
    assert representations.opt_in(True) == "1"
    assert representations.opt_in(False) == "0"
    assert representations.opt_in(None) is None


def test_read_without_source_record_has_null_source_fields() -> None:
    body = representations.single(ClientView(client=CLIENT, source=None, matters=[]))
    assert (body["source_url"], body["channel"], body["campaign"]) == (None, None, None)
