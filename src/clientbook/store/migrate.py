"""Running the Alembic history programmatically (used by `clientbook migrate` and tests)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database to `revision` (creating the SQLite file if needed)."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def head_revision() -> str | None:
    """The newest revision of the migration scripts shipped with this code."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def current_revision(conn: sa.Connection) -> str | None:
    """The revision the database is at (None when it was never migrated)."""
    return MigrationContext.configure(conn).get_current_revision()


# Indexes whose expression PostgreSQL rewrites (casts, parentheses), so autogenerate,
# which compares expressions as text, would always see them as changed. Their migration
# keeps the expression in step with `store.tables` by hand (see 0002).
UNCOMPARED_INDEXES = frozenset({"ix_clients_search_trgm_live"})


def include_object(
    _object: object, name: str | None, type_: str, _reflected: bool, _compare_to: object
) -> bool:
    """Autogenerate filter (`alembic check`): skip the indexes it cannot compare."""
    return not (type_ == "index" and name in UNCOMPARED_INDEXES)
