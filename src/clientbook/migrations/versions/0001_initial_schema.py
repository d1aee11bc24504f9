"""initial schema

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "directories",
        sa.Column("uid", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_directories")),
    )
    op.create_table(
        "server_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_server_settings")),
    )
    op.create_table(
        "tokens",
        sa.Column("jti", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject_uid", sa.String(length=16), nullable=False),
        sa.Column("business_uid", sa.String(length=16), nullable=True),
        sa.Column("directory_uid", sa.String(length=16), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_tokens")),
    )
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tokens_business_uid_subject_uid"),
            ["business_uid", "subject_uid"],
            unique=False,
        )

    op.create_table(
        "businesses",
        sa.Column("uid", sa.String(length=16), nullable=False),
        sa.Column("directory_uid", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("opt_in_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_uid"],
            ["directories.uid"],
            name=op.f("fk_businesses_directory_uid_directories"),
        ),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_businesses")),
    )
    with op.batch_alter_table("businesses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_businesses_directory_uid_uid"), ["directory_uid", "uid"], unique=False
        )

    op.create_table(
        "apps",
        sa.Column("business_uid", sa.String(length=16), nullable=False),
        sa.Column("uid", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["business_uid"], ["businesses.uid"], name=op.f("fk_apps_business_uid_businesses")
        ),
        sa.PrimaryKeyConstraint("business_uid", "uid", name=op.f("pk_apps")),
    )
    op.create_table(
        "clients",
        sa.Column("business_uid", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("first_name", sa.String(length=255), nullable=True),
        sa.Column("last_name", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=300), nullable=True),
        sa.Column("mobile_phone", sa.String(length=50), nullable=True),
        sa.Column("normalized_phone", sa.String(length=32), nullable=True),
        sa.Column("phone_digits", sa.String(length=50), nullable=True),
        sa.Column("address", sa.String(length=1000), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("opt_in", sa.Boolean(), nullable=True),
        sa.Column("opt_in_transactional_sms", sa.Boolean(), nullable=True),
        sa.Column("spam", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=True),
        sa.Column("source_url", sa.String(length=2048), nullable=True),
        sa.Column("custom_field1", sa.String(length=1000), nullable=True),
        sa.Column("custom_field2", sa.String(length=1000), nullable=True),
        sa.Column("custom_field3", sa.String(length=1000), nullable=True),
        sa.Column("staff_id", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["business_uid"], ["businesses.uid"], name=op.f("fk_clients_business_uid_businesses")
        ),
        sa.PrimaryKeyConstraint("business_uid", "id", name=op.f("pk_clients")),
    )
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.create_index(
            "ix_clients_business_uid_created_at_id_live",
            ["business_uid", "created_at", "id"],
            unique=False,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
    # Email uniqueness among a business's live clients, case-insensitively.
    op.create_index(
        "uq_clients_business_uid_email_live",
        "clients",
        ["business_uid", sa.text("lower(email)")],
        unique=True,
        sqlite_where=sa.text("deleted_at IS NULL AND email IS NOT NULL"),
        postgresql_where=sa.text("deleted_at IS NULL AND email IS NOT NULL"),
    )

    op.create_table(
        "staff",
        sa.Column("business_uid", sa.String(length=16), nullable=False),
        sa.Column("uid", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["business_uid"], ["businesses.uid"], name=op.f("fk_staff_business_uid_businesses")
        ),
        sa.PrimaryKeyConstraint("business_uid", "uid", name=op.f("pk_staff")),
    )
    op.create_table(
        "matters",
        sa.Column("business_uid", sa.String(length=16), nullable=False),
        sa.Column("uid", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.String(length=16), nullable=True),
        sa.Column("display_name", sa.String(length=511), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_uid", "client_id"],
            ["clients.business_uid", "clients.id"],
            name=op.f("fk_matters_business_uid_clients"),
        ),
        sa.PrimaryKeyConstraint("business_uid", "uid", name=op.f("pk_matters")),
    )
    with op.batch_alter_table("matters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_matters_business_uid_client_id"),
            ["business_uid", "client_id"],
            unique=False,
        )

    op.create_table(
        "source_records",
        sa.Column("business_uid", sa.String(length=16), nullable=False),
        sa.Column("uid", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("channel", sa.String(length=255), nullable=True),
        sa.Column("campaign", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["business_uid", "client_id"],
            ["clients.business_uid", "clients.id"],
            name=op.f("fk_source_records_business_uid_clients"),
        ),
        sa.PrimaryKeyConstraint("business_uid", "uid", name=op.f("pk_source_records")),
    )
    with op.batch_alter_table("source_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_source_records_business_uid_client_id"),
            ["business_uid", "client_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("source_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_records_business_uid_client_id"))

    op.drop_table("source_records")
    with op.batch_alter_table("matters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_matters_business_uid_client_id"))

    op.drop_table("matters")
    op.drop_table("staff")
    op.drop_index("uq_clients_business_uid_email_live", table_name="clients")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_clients_business_uid_created_at_id_live",
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )

    op.drop_table("clients")
    op.drop_table("apps")
    with op.batch_alter_table("businesses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_businesses_directory_uid_uid"))

    op.drop_table("businesses")
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tokens_business_uid_subject_uid"))

    op.drop_table("tokens")
    op.drop_table("server_settings")
    op.drop_table("directories")
