"""source records and matters are keyed by creation moments; tokens lose an unused index

Revision ID: 0005
Revises: 0004

A POST writes a client, its source record, its default matter and its token. Keyed by
random uids, each of these rows put entries on random pages of two B-trees (the primary
key and the client index), and every such page is written to the WAL at COMMIT and, on
SQLite, to the database again at the checkpoint: a POST wrote three to four times the
pages of a PUT. Keyed by creation moments, a new client's rows land where the previous
creations' did (docs/performance.md, seventh round):

- source records: primary key (business_uid, client_created_at, client_id, uid): one
  B-tree, found through the client's creation moment and id;
- matters: primary key (business_uid, created_at, uid), their own creation moment (a
  matter outlives its client and moves between clients), and an index on
  (business_uid, client_created_at, client_id) to find a client's;
- tokens: the (business_uid, subject_uid) index goes; no statement reads by it (every
  token is read by its jti, and a client token's jti now starts with the time).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENS_INDEX = "ix_tokens_business_uid_subject_uid"
SOURCES_INDEX = "ix_source_records_business_uid_client_id"
MATTERS_INDEX_BEFORE = "ix_matters_business_uid_client_id"
MATTERS_INDEX = "ix_matters_business_uid_client_created_at_client_id"


@contextlib.contextmanager
def _batch(table: str) -> Iterator[BatchOperations]:
    """Batch mode (SQLite copies the table) reflects the clients table too, for the
    foreign key; SQLite cannot reflect its lower(email) index and warns. That index is
    not touched here."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index", sa.exc.SAWarning
        )
        with op.batch_alter_table(table) as batch:
            yield batch


def _client_created_at(table: str) -> None:
    """Add `client_created_at` and fill it from each row's client (NULL when detached)."""
    with _batch(table) as batch:
        batch.add_column(sa.Column("client_created_at", sa.DateTime(), nullable=True))
    op.execute(
        f"UPDATE {table} SET client_created_at = (SELECT c.created_at FROM clients c"
        f" WHERE c.business_uid = {table}.business_uid AND c.id = {table}.client_id)"
        f" WHERE client_id IS NOT NULL"
    )


def upgrade() -> None:
    _client_created_at("source_records")
    with _batch("source_records") as batch:
        batch.alter_column("client_created_at", existing_type=sa.DateTime(), nullable=False)
        batch.drop_index(SOURCES_INDEX)
        batch.drop_constraint("pk_source_records", type_="primary")
        batch.create_primary_key(
            "pk_source_records", ["business_uid", "client_created_at", "client_id", "uid"]
        )
    _client_created_at("matters")
    with _batch("matters") as batch:
        batch.drop_index(MATTERS_INDEX_BEFORE)
        batch.drop_constraint("pk_matters", type_="primary")
        batch.create_primary_key("pk_matters", ["business_uid", "created_at", "uid"])
        batch.create_index(MATTERS_INDEX, ["business_uid", "client_created_at", "client_id"])
    with _batch("tokens") as batch:
        batch.drop_index(TOKENS_INDEX)


def downgrade() -> None:
    with _batch("tokens") as batch:
        batch.create_index(TOKENS_INDEX, ["business_uid", "subject_uid"])
    with _batch("matters") as batch:
        batch.drop_index(MATTERS_INDEX)
        batch.drop_constraint("pk_matters", type_="primary")
        batch.create_primary_key("pk_matters", ["business_uid", "uid"])
        batch.create_index(MATTERS_INDEX_BEFORE, ["business_uid", "client_id"])
        batch.drop_column("client_created_at")
    with _batch("source_records") as batch:
        batch.drop_constraint("pk_source_records", type_="primary")
        batch.create_primary_key("pk_source_records", ["business_uid", "uid"])
        batch.create_index(SOURCES_INDEX, ["business_uid", "client_id"])
        batch.drop_column("client_created_at")
