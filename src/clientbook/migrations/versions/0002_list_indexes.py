"""indexes for the list filters and the substring search

Revision ID: 0002
Revises: 0001

The btree indexes lead with business_uid and cover live clients only (deleted_at IS
NULL), like the list-order index of 0001. On PostgreSQL, substring search gets a
trigram GIN index (pg_trgm) on the searched text alone: with business_uid in it
(btree_gin) the planner costs a large business's posting list so high that it prefers
a sequential scan (docs/query-plans.md); business_uid is then checked on the few rows
the trigrams find. The expression must stay identical to
`clientbook.store.tables.search_text`, or the planner will not use the index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "deleted_at IS NULL"
FILTERED = ("phone_digits", "normalized_phone", "updated_at")
SEARCH_INDEX = "ix_clients_search_trgm_live"
SEARCH_TEXT = (
    "coalesce(first_name, '') || ' ' || coalesce(last_name, '') || E'\\x1f' || "
    "coalesce(email, '') || E'\\x1f' || coalesce(mobile_phone, '')"
)


def upgrade() -> None:
    for column in FILTERED:
        op.create_index(
            f"ix_clients_business_uid_{column}_live",
            "clients",
            ["business_uid", column],
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            f"CREATE INDEX {SEARCH_INDEX} ON clients USING gin "
            f"(({SEARCH_TEXT}) gin_trgm_ops) WHERE {LIVE}"
        )


def downgrade() -> None:
    # The extensions stay: other objects of the database may use them.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
    for column in reversed(FILTERED):
        op.drop_index(f"ix_clients_business_uid_{column}_live", table_name="clients")
