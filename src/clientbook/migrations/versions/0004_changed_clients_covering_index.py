"""the index of changed clients covers the updated_at search's first step

Revision ID: 0004
Revises: 0003

`search_by=updated_at` (and `updated_at[gte]`) first gathers the clients created before
the term and changed since (0003's partial index), then sorts them in creation order.
With (business_uid, updated_at) alone, each of them cost a read of its table row: after
90,000 edits of a million-client business, a search took 166 ms (docs/performance.md).
With the creation time and id in the index, that step reads the index alone; the rows
are read only for the page. deleted_at (always NULL here) is in it so that SQLite also
counts the index as covering the partial index's own condition.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_clients_business_uid_updated_at_modified_live"
WHERE = "deleted_at IS NULL AND updated_at > created_at"
COVERING = ["business_uid", "updated_at", "created_at", "id", "deleted_at"]
BEFORE = ["business_uid", "updated_at"]


def _recreate(columns: list[str]) -> None:
    op.drop_index(INDEX, table_name="clients")
    op.create_index(
        INDEX,
        "clients",
        columns,
        sqlite_where=sa.text(WHERE),
        postgresql_where=sa.text(WHERE),
    )


def upgrade() -> None:
    _recreate(COVERING)


def downgrade() -> None:
    _recreate(BEFORE)
