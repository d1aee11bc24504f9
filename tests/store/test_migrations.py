"""One Alembic history for both backends: reversible, and matching the table metadata."""

from __future__ import annotations

import warnings
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from clientbook import ids
from clientbook.config import Settings
from clientbook.store import migrate
from clientbook.store.engine import create_engine
from clientbook.store.tables import clients, matters, metadata, source_records
from tests import factories
from tests.conftest import TEST_SECRET
from tests.databases import fresh_database

# SQLite cannot reflect expression indexes (lower(email); the search index, which exists
# on PostgreSQL only), and says so.
_EXPRESSION_INDEXES = r"'?(uq_clients_business_uid_email_live|ix_clients_search_trgm_live)"
EXPRESSION_INDEX_WARNINGS = (
    r"autogenerate skipping metadata-specified expression-based index " + _EXPRESSION_INDEXES,
    r"Skipped unsupported reflection of expression-based index " + _EXPRESSION_INDEXES,
)


def _tables(url: str) -> set[str]:
    engine = create_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _differences(url: str) -> list[object]:
    engine = create_engine(url, pool_size=1)
    try:
        with engine.connect() as conn, warnings.catch_warnings():
            for message in EXPRESSION_INDEX_WARNINGS:
                warnings.filterwarnings("ignore", message=message)
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "render_as_batch": True,
                    "include_object": migrate.include_object,
                },
            )
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def _head() -> str | None:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    return script.get_current_head()


def _current(url: str) -> str | None:
    engine = create_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_round_trips(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path, migrated=False) as url:
        migrate.upgrade(url)
        assert _current(url) == _head()
        assert _tables(url) == set(metadata.tables)

        migrate.downgrade(url, "base")
        assert _current(url) is None
        assert _tables(url) == set()

        migrate.upgrade(url)
        assert _current(url) == _head()
        assert _differences(url) == []


def test_every_revision_steps_down_and_up_one_at_a_time(backend: str, tmp_path: Path) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    revisions = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    with fresh_database(backend, tmp_path, migrated=False) as url:
        for revision in revisions:
            migrate.upgrade(url, revision)
            assert _current(url) == revision
        for revision in reversed(revisions[:-1]):
            migrate.downgrade(url, "-1")
            assert _current(url) == revision
        migrate.downgrade(url, "-1")
        assert _current(url) is None


def test_migrated_schema_matches_the_metadata(backend: str, tmp_path: Path) -> None:
    """The equivalent of `alembic check`: autogenerate finds nothing to add."""
    with fresh_database(backend, tmp_path) as url:
        assert _differences(url) == []


def test_indexes_autogenerate_cannot_compare_exist_where_they_belong(
    backend: str, tmp_path: Path
) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = create_engine(url, pool_size=1)
        try:
            with engine.connect() as conn:
                names = {
                    row[0]
                    for row in conn.execute(
                        sa.text(
                            "SELECT name FROM sqlite_master WHERE type = 'index'"
                            if backend == "sqlite"
                            else "SELECT indexname FROM pg_indexes WHERE tablename = 'clients'"
                        )
                    )
                }
        finally:
            engine.dispose()
        assert "uq_clients_business_uid_email_live" in names
        assert ("ix_clients_search_trgm_live" in names) == (backend == "postgres")


def test_live_email_index_is_unique_ignoring_case(backend: str, tmp_path: Path) -> None:
    """Email uniqueness among live clients is enforced by the database itself."""
    with fresh_database(backend, tmp_path) as url:
        engine = create_engine(url, pool_size=1)
        try:
            business = factories.tenant(
                engine, Settings(database_url=url, secret_key=TEST_SECRET)
            ).business_uid
            row = {
                "business_uid": business,
                "first_name": "A",
                "status": "lead",
                "tags": [],
                "spam": False,
                "created_at": ids.utcnow(),
                "updated_at": ids.utcnow(),
            }
            with engine.begin() as conn:
                conn.execute(clients.insert().values(id="1" * 16, email="a@x.com", **row))
            with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
                conn.execute(clients.insert().values(id="2" * 16, email="A@X.com", **row))
            with engine.begin() as conn:
                conn.execute(clients.update().values(deleted_at=ids.utcnow()))
                conn.execute(clients.insert().values(id="3" * 16, email="A@X.com", **row))
        finally:
            engine.dispose()


def _rows(conn: sa.Connection, table: str, order: str) -> list[dict[str, object]]:
    query = sa.text(f"SELECT * FROM {table} ORDER BY {order}")
    return [dict(r._mapping) for r in conn.execute(query)]


def _seed_0004(conn: sa.Connection, created: list[datetime]) -> None:
    """Two clients, each with a source record; three matters, one of them detached."""
    old = sa.MetaData()
    with warnings.catch_warnings():
        for message in EXPRESSION_INDEX_WARNINGS:
            warnings.filterwarnings("ignore", message=message)
        names = ("directories", "businesses", "clients", "source_records", "matters")
        table = {name: sa.Table(name, old, autoload_with=conn) for name in names}
    business = {"business_uid": "b" * 16}
    conn.execute(
        table["directories"].insert(), {"uid": "d" * 16, "name": "d", "created_at": created[0]}
    )
    conn.execute(
        table["businesses"].insert(),
        {
            "uid": "b" * 16,
            "directory_uid": "d" * 16,
            "name": "b",
            "country": "US",
            "opt_in_enabled": True,
            "created_at": created[0],
        },
    )
    for n, moment in enumerate(created):
        conn.execute(
            table["clients"].insert(),
            {
                **business,
                "id": f"c{n}" * 8,
                "status": "lead",
                "tags": "[]",
                "spam": False,
                "created_at": moment,
                "updated_at": moment,
            },
        )
        conn.execute(
            table["source_records"].insert(),
            {
                **business,
                "uid": f"s{n}" * 8,
                "client_id": f"c{n}" * 8,
                "name": "web",
                "created_at": moment,
            },
        )
    owners = (("m0", "c0" * 8), ("m1", "c1" * 8), ("m2", "c1" * 8), ("m3", None))
    for uid, client_id in owners:
        conn.execute(
            table["matters"].insert(),
            {
                **business,
                "uid": uid * 8,
                "client_id": client_id,
                "display_name": "x",
                "fields": "[]",
                "created_at": created[1],
            },
        )


def test_0005_keys_every_source_record_and_matter_by_its_clients_creation(
    backend: str, tmp_path: Path
) -> None:
    """Upgrading fills `client_created_at` from each row's client (NULL for a detached
    matter) and loses no row; downgrading keeps them too."""
    created = [datetime(2025, 1, 1, 9, 0, 0, 123456), datetime(2025, 1, 2, 9, 0, 0, 654321)]
    with fresh_database(backend, tmp_path, migrated=False) as url:
        migrate.upgrade(url, "0004")
        engine = create_engine(url, pool_size=1)
        try:
            with engine.begin() as conn:
                _seed_0004(conn, created)
            migrate.upgrade(url)
            with engine.connect() as conn:
                sources = conn.execute(
                    sa.select(
                        source_records.c.client_id, source_records.c.client_created_at
                    ).order_by(source_records.c.uid)
                ).all()
                owners = conn.execute(
                    sa.select(
                        matters.c.uid, matters.c.client_id, matters.c.client_created_at
                    ).order_by(matters.c.uid)
                ).all()
            assert sources == [("c0" * 8, created[0]), ("c1" * 8, created[1])]
            assert owners == [
                ("m0" * 8, "c0" * 8, created[0]),
                ("m1" * 8, "c1" * 8, created[1]),
                ("m2" * 8, "c1" * 8, created[1]),
                ("m3" * 8, None, None),
            ]
            migrate.downgrade(url, "0004")
            with engine.connect() as conn:
                kept = [r["uid"] for r in _rows(conn, "source_records", "uid")]
                matters_kept = [(r["uid"], r["client_id"]) for r in _rows(conn, "matters", "uid")]
            assert kept == ["s0" * 8, "s1" * 8]
            assert matters_kept == [(uid, client_id) for uid, client_id, _ in owners]
        finally:
            engine.dispose()
