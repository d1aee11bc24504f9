"""an index of the live clients updated after their creation

Revision ID: 0003
Revises: 0002

`search_by=updated_at` (and `updated_at[gte]`) asks for the clients updated at or after T
in creation order. Since updated_at >= created_at always, that is: the clients created
before T but updated since (few: found here), then every client created from T on (the
creation-order index, read from T). store/search.py builds that query.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_clients_business_uid_updated_at_modified_live"
WHERE = "deleted_at IS NULL AND updated_at > created_at"


def upgrade() -> None:
    op.create_index(
        INDEX,
        "clients",
        ["business_uid", "updated_at"],
        sqlite_where=sa.text(WHERE),
        postgresql_where=sa.text(WHERE),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="clients")
