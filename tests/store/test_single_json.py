"""SQLite answers GET one with the JSON it writes itself (direct_sql.single_json): the
same representation, key for key and in the same order, as domain/representations.single
builds from the client's row, source records and matters (the PostgreSQL path)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clientbook import auth
from clientbook.config import Settings
from clientbook.store import database
from clientbook.store.database import Access, SqliteTransaction
from clientbook.store.engine import create_engine
from clientbook.store.tables import clients, matters, source_records
from clientbook.store.uow import transaction
from tests import factories, portal
from tests.databases import fresh_database

SECRET = "single-json-secret-0123456789abcdef0123456789"
START = datetime(2026, 1, 1)
# Any text a request can store: UTF-8 without NUL (refused, values.text).
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
MAYBE_TEXT = st.none() | TEXT
# Few distinct moments often: rows created at the same moment are ordered by their uid.
MOMENT = (st.integers(0, 2) | st.integers(0, 10**12)).map(
    lambda n: START + timedelta(microseconds=n)
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
UID = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=16, max_size=16)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A migrated SQLite file with one business, and a staff and a directory token."""
    with fresh_database("sqlite", tmp_path_factory.mktemp("single")) as url:
        settings_ = Settings(database_url=url, secret_key=SECRET)
        engine = create_engine(url, pool_size=1)
        tenant = factories.tenant(engine, settings_)
        key = portal.reading(url, lambda tx: auth.secret_key(tx, settings_))
        db = database._sqlite_connect(
            str(Path(url.removeprefix("sqlite:///"))), busy_timeout_ms=5000
        )
        yield {"engine": engine, "tenant": tenant, "key": key, "db": db}
        db.close()
        engine.dispose()


def _accesses(world: dict[str, Any]) -> list[Access]:
    tenant = world["tenant"]
    staff = auth.decode(tenant.staff_token, key=world["key"])
    directory = auth.decode(tenant.directory_token, key=world["key"])
    return [Access(staff, tenant.business_uid), Access(directory, tenant.business_uid)]


def _both(world: dict[str, Any], access: Access, client_id: str) -> tuple[Any, Any]:
    """(SQLite's JSON, decoded; the representation built from the row) of one client."""
    tx = SqliteTransaction(world["db"])

    async def read() -> tuple[Any, Any]:
        written = await tx.single(access, client_id)
        built = await database._Statements.single(tx, access, client_id)
        return written, built

    written, built = asyncio.run(read())
    return (None if written is None else orjson.loads(orjson.dumps(written))), built


CLIENT = st.fixed_dictionaries(
    {
        "first_name": MAYBE_TEXT,
        "last_name": MAYBE_TEXT,
        "email": MAYBE_TEXT,
        "mobile_phone": MAYBE_TEXT,
        "normalized_phone": MAYBE_TEXT,
        "address": MAYBE_TEXT,
        "status": TEXT,
        "tags": st.lists(TEXT, max_size=4),
        "opt_in": st.none() | st.booleans(),
        "spam": st.booleans(),
        "source": MAYBE_TEXT,
        "custom_field1": MAYBE_TEXT,
        "custom_field2": MAYBE_TEXT,
        "custom_field3": MAYBE_TEXT,
        "staff_id": MAYBE_TEXT,
        "created_at": MOMENT,
        "updated_at": MOMENT,
    }
)
SOURCE = st.fixed_dictionaries(
    {"uid": UID, "name": MAYBE_TEXT, "url": MAYBE_TEXT, "channel": MAYBE_TEXT,
     "campaign": MAYBE_TEXT, "created_at": MOMENT}
)  # fmt: skip
# A matter's key is the business's: its uid ends with the client's id (ordered by its start).
MATTER = st.fixed_dictionaries(
    {"uid": UID.map(lambda uid: uid[:8]), "display_name": TEXT, "fields": JSON,
     "created_at": MOMENT}
)  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    client=CLIENT,
    sources=st.lists(SOURCE, max_size=3, unique_by=lambda s: s["uid"]),
    matter_rows=st.lists(MATTER, max_size=4, unique_by=lambda m: (m["created_at"], m["uid"])),
)
def test_sqlite_writes_the_single_representation_that_the_row_gives(
    world: dict[str, Any],
    client: dict[str, Any],
    sources: list[dict[str, Any]],
    matter_rows: list[dict[str, Any]],
) -> None:
    business = world["tenant"].business_uid
    client_id = secrets.token_hex(8)
    if client["email"] is not None:  # unique among the business's live clients
        client = {**client, "email": client["email"] + client_id}
    keys = {"business_uid": business, "client_created_at": client["created_at"],
            "client_id": client_id}  # fmt: skip
    with transaction(world["engine"], write=True) as conn:
        conn.execute(clients.insert().values(business_uid=business, id=client_id, **client))
        for source in sources:
            conn.execute(source_records.insert().values(**keys, **source))
        for matter in matter_rows:
            conn.execute(
                matters.insert().values(**keys, **{**matter, "uid": matter["uid"] + client_id[:8]})
            )
    for access in _accesses(world):
        written, built = _both(world, access, client_id)
        assert written == built
        assert list(written) == list(built)


def test_a_missing_or_deleted_client_is_none_as_in_the_row_path(world: dict[str, Any]) -> None:
    business = world["tenant"].business_uid
    with transaction(world["engine"], write=True) as conn:
        conn.execute(
            clients.insert().values(
                business_uid=business, id="gone000000000000", status="lead", tags=[],
                spam=False, created_at=START, updated_at=START, deleted_at=START,
            )
        )  # fmt: skip
    for access in _accesses(world):
        assert _both(world, access, "gone000000000000") == (None, None)
        assert _both(world, access, "nobody0000000000") == (None, None)


def test_a_revoked_token_reads_nothing(world: dict[str, Any]) -> None:
    access = _accesses(world)[0]
    with transaction(world["engine"], write=True) as conn:
        conn.execute(
            clients.insert().values(
                business_uid=world["tenant"].business_uid, id="kept000000000000",
                status="lead", tags=[], spam=False, created_at=START, updated_at=START,
            )
        )  # fmt: skip
    assert _both(world, access, "kept000000000000")[0] is not None
    with transaction(world["engine"], write=True) as conn:
        conn.execute(
            sa.text("UPDATE tokens SET revoked_at = :now WHERE jti = :jti"),
            {"now": START, "jti": access.token.jti},
        )
    assert _both(world, access, "kept000000000000") == (None, None)
