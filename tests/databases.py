"""Real test databases: a migrated SQLite file, and a fresh migrated PostgreSQL database."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from clientbook.store import migrate
from clientbook.store.engine import create_engine, driver_url
from tests import portal

BACKENDS = ["sqlite", "postgres"]


def postgres_admin_url() -> str | None:
    """The server the PostgreSQL tests use; CI always sets it."""
    url = os.environ.get("CLIENTBOOK_TEST_POSTGRES_URL")
    if not url and os.environ.get("CLIENTBOOK_REQUIRE_POSTGRES"):
        pytest.fail("CLIENTBOOK_REQUIRE_POSTGRES is set but CLIENTBOOK_TEST_POSTGRES_URL is not")
    return url


@contextmanager
def fresh_database(backend: str, tmp: Path, *, migrated: bool = True) -> Iterator[str]:
    """A new, empty database URL (migrated to head unless told otherwise), dropped after."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'clientbook-{secrets.token_hex(4)}.db'}"
        if migrated:
            migrate.upgrade(url)
        yield url
        return
    admin_url = postgres_admin_url()
    if admin_url is None:
        pytest.skip("PostgreSQL tests need CLIENTBOOK_TEST_POSTGRES_URL")
    name = f"clientbook_test_{secrets.token_hex(6)}"
    admin = sa.create_engine(driver_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        if migrated:
            migrate.upgrade(url)
        yield url
    finally:
        portal.forget(url)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def seeded_engine(
    backend: str, tmp: Path, seed: Callable[[sa.Engine], None]
) -> Iterator[sa.Engine]:
    """An engine on a fresh migrated database that `seed` filled (for module fixtures)."""
    with fresh_database(backend, tmp) as url:
        engine = create_engine(url, pool_size=2)
        try:
            seed(engine)
            yield engine
        finally:
            engine.dispose()
