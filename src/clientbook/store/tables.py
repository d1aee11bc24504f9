"""The schema, as SQLAlchemy Core metadata. Migrations build it; this file describes it.

Every tenant table carries `business_uid` first in its primary key and indexes, so
tenants can later be spread over nodes by that column.
"""

from __future__ import annotations

import sqlalchemy as sa

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = sa.MetaData(naming_convention=NAMING)


class Uid(sa.types.TypeDecorator[str]):
    """A uid column (16 of [0-9a-z]). PostgreSQL refuses a NUL in text, and no uid holds
    one, so a lookup key with a NUL is bound with U+FFFD instead: it matches nothing, on
    both backends, instead of failing the statement."""

    impl = sa.String(16)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return value.replace("\x00", "\ufffd") if value is not None else None


UID = Uid()

# Microsecond UTC timestamps, stored naive on both backends.
Moment = sa.DateTime(timezone=False)

server_settings = sa.Table(
    "server_settings",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

directories = sa.Table(
    "directories",
    metadata,
    sa.Column("uid", UID, primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("created_at", Moment, nullable=False),
)

businesses = sa.Table(
    "businesses",
    metadata,
    sa.Column("uid", UID, primary_key=True),
    sa.Column("directory_uid", UID, sa.ForeignKey("directories.uid"), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("opt_in_enabled", sa.Boolean, nullable=False),
    sa.Column("created_at", Moment, nullable=False),
    sa.Index(None, "directory_uid", "uid"),
)

staff = sa.Table(
    "staff",
    metadata,
    sa.Column("business_uid", UID, sa.ForeignKey("businesses.uid"), primary_key=True),
    sa.Column("uid", UID, primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("created_at", Moment, nullable=False),
    sa.Column("deleted_at", Moment, nullable=True),
)

apps = sa.Table(
    "apps",
    metadata,
    sa.Column("business_uid", UID, sa.ForeignKey("businesses.uid"), primary_key=True),
    sa.Column("uid", UID, primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("created_at", Moment, nullable=False),
    sa.Column("deleted_at", Moment, nullable=True),
)

# Every token issued, so one can be revoked (jti) and checked against its principal.
tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("jti", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("subject_uid", UID, nullable=False),
    sa.Column("business_uid", UID, nullable=True),
    sa.Column("directory_uid", UID, nullable=True),
    sa.Column("issued_at", Moment, nullable=False),
    sa.Column("expires_at", Moment, nullable=False),
    sa.Column("revoked_at", Moment, nullable=True),
)

clients = sa.Table(
    "clients",
    metadata,
    sa.Column("business_uid", UID, sa.ForeignKey("businesses.uid"), primary_key=True),
    sa.Column("id", UID, primary_key=True),
    sa.Column("first_name", sa.String(255), nullable=True),
    sa.Column("last_name", sa.String(255), nullable=True),
    sa.Column("email", sa.String(300), nullable=True),
    sa.Column("mobile_phone", sa.String(50), nullable=True),
    sa.Column("normalized_phone", sa.String(32), nullable=True),
    sa.Column("phone_digits", sa.String(50), nullable=True),
    sa.Column("address", sa.String(1000), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("tags", sa.JSON, nullable=False),
    sa.Column("opt_in", sa.Boolean, nullable=True),
    sa.Column("opt_in_transactional_sms", sa.Boolean, nullable=True),
    sa.Column("spam", sa.Boolean, nullable=False),
    sa.Column("source", sa.String(255), nullable=True),
    sa.Column("source_url", sa.String(2048), nullable=True),
    sa.Column("custom_field1", sa.String(1000), nullable=True),
    sa.Column("custom_field2", sa.String(1000), nullable=True),
    sa.Column("custom_field3", sa.String(1000), nullable=True),
    sa.Column("staff_id", UID, nullable=True),
    sa.Column("created_at", Moment, nullable=False),
    sa.Column("updated_at", Moment, nullable=False),
    sa.Column("deleted_at", Moment, nullable=True),
    # Email uniqueness among live clients, enforced by the database.
    sa.Index(
        "uq_clients_business_uid_email_live",
        "business_uid",
        sa.func.lower(sa.column("email")),
        unique=True,
        sqlite_where=sa.text("deleted_at IS NULL AND email IS NOT NULL"),
        postgresql_where=sa.text("deleted_at IS NULL AND email IS NOT NULL"),
    ),
    # The list order: creation order among live clients.
    sa.Index(
        "ix_clients_business_uid_created_at_id_live",
        "business_uid",
        "created_at",
        "id",
        sqlite_where=sa.text("deleted_at IS NULL"),
        postgresql_where=sa.text("deleted_at IS NULL"),
    ),
    # The list filters (contract 5.2), among live clients (migration 0002).
    *(
        sa.Index(
            f"ix_clients_business_uid_{column}_live",
            "business_uid",
            column,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        for column in ("phone_digits", "normalized_phone", "updated_at")
    ),
    # Live clients changed since their creation: `updated_at >= T` in creation order
    # reads these plus the creation-order index from T on (migration 0003). The index
    # alone answers the first step (migration 0004): the creation keys are in it, and
    # deleted_at (always NULL here) lets SQLite count it as covering.
    sa.Index(
        "ix_clients_business_uid_updated_at_modified_live",
        "business_uid",
        "updated_at",
        "created_at",
        "id",
        "deleted_at",
        sqlite_where=sa.text("deleted_at IS NULL AND updated_at > created_at"),
        postgresql_where=sa.text("deleted_at IS NULL AND updated_at > created_at"),
    ),
)

# What `search_term` alone searches: "first last", email and mobile phone, separated by
# a control character that a search term may not contain, so a match never spans two
# fields. The constants are literal SQL (not bound parameters) so PostgreSQL can match
# the query's expression with the trigram index's.
SEARCH_SEPARATOR = "\x1f"


def _text_or_empty(column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    return sa.func.coalesce(column, sa.literal_column("''", sa.String), type_=sa.String)


search_text: sa.ColumnElement[str] = (
    _text_or_empty(clients.c.first_name)
    + sa.literal_column("' '", sa.String)
    + _text_or_empty(clients.c.last_name)
    + sa.literal_column(f"'{SEARCH_SEPARATOR}'", sa.String)
    + _text_or_empty(clients.c.email)
    + sa.literal_column(f"'{SEARCH_SEPARATOR}'", sa.String)
    + _text_or_empty(clients.c.mobile_phone)
)

# Substring search on PostgreSQL: a trigram GIN index (pg_trgm) that ILIKE '%term%' can
# use. It leaves business_uid out on purpose (see migration 0002); the query still
# filters by business. SQLite has no such index: there the search walks the business's
# live rows through the list-order index.
sa.Index(
    "ix_clients_search_trgm_live",
    search_text.label("search_text"),
    postgresql_using="gin",
    postgresql_ops={"search_text": "gin_trgm_ops"},
    postgresql_where=sa.text("deleted_at IS NULL"),
).ddl_if(dialect="postgresql")

# A client's source records and matters are found through the client's creation moment
# and id (`client_created_at`, `client_id`), not its id alone (migration 0005): a new
# client's rows then land at the end of these keys, on the pages the last creations
# already wrote, instead of on a random page each (its uid is random). A POST writes
# those pages to the WAL and, on SQLite, to the database again; see docs/performance.md.
source_records = sa.Table(
    "source_records",
    metadata,
    sa.Column("business_uid", UID, primary_key=True),
    sa.Column("client_created_at", Moment, primary_key=True),
    sa.Column("client_id", UID, primary_key=True),
    sa.Column("uid", UID, primary_key=True),
    sa.Column("name", sa.String(255), nullable=True),
    sa.Column("url", sa.String(2048), nullable=True),
    sa.Column("channel", sa.String(255), nullable=True),
    sa.Column("campaign", sa.String(255), nullable=True),
    sa.Column("created_at", Moment, nullable=False),
    sa.Column("deleted_at", Moment, nullable=True),
    sa.ForeignKeyConstraint(["business_uid", "client_id"], ["clients.business_uid", "clients.id"]),
)

# Keyed by their own creation moment: a matter outlives its client (detached: both client
# columns NULL) and moves between clients (merges). No statement may order matters by
# created_at in SQL: SQLite, without statistics, would walk the business's matters in key
# order rather than look up the client's few; they are sorted after reading.
matters = sa.Table(
    "matters",
    metadata,
    sa.Column("business_uid", UID, primary_key=True),
    sa.Column("created_at", Moment, primary_key=True),
    sa.Column("uid", UID, primary_key=True),
    # Both NULL once detached (the client was deleted).
    sa.Column("client_created_at", Moment, nullable=True),
    sa.Column("client_id", UID, nullable=True),
    sa.Column("display_name", sa.String(511), nullable=False),
    sa.Column("fields", sa.JSON, nullable=False),
    sa.ForeignKeyConstraint(["business_uid", "client_id"], ["clients.business_uid", "clients.id"]),
    sa.Index(None, "business_uid", "client_created_at", "client_id"),
)
