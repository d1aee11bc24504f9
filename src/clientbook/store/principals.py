"""Directories, businesses, staff, apps, tokens and server settings."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from clientbook.store.tables import (
    apps,
    businesses,
    clients,
    directories,
    server_settings,
    staff,
    tokens,
)


@dataclass(frozen=True, slots=True)
class Business:
    uid: str
    directory_uid: str
    name: str
    country: str
    opt_in_enabled: bool


@dataclass(frozen=True, slots=True)
class TokenRecord:
    jti: str
    kind: str
    subject_uid: str
    business_uid: str | None
    directory_uid: str | None


def get_setting(conn: sa.Connection, *, key: str) -> str | None:
    row = conn.execute(
        sa.select(server_settings.c.value).where(server_settings.c.key == key)
    ).first()
    return None if row is None else str(row.value)


def put_setting_if_absent(conn: sa.Connection, *, key: str, value: str) -> str:
    """Store a value unless one is there; return the value that is stored."""
    existing = get_setting(conn, key=key)
    if existing is not None:
        return existing
    conn.execute(server_settings.insert().values(key=key, value=value))
    return value


def create_directory(conn: sa.Connection, *, uid: str, name: str, now: datetime) -> None:
    conn.execute(directories.insert().values(uid=uid, name=name, created_at=now))


def directory_exists(conn: sa.Connection, *, directory_uid: str) -> bool:
    query = sa.select(directories.c.uid).where(directories.c.uid == directory_uid)
    return conn.execute(query).first() is not None


def create_business(conn: sa.Connection, *, business: Business, now: datetime) -> None:
    conn.execute(
        businesses.insert().values(
            uid=business.uid,
            directory_uid=business.directory_uid,
            name=business.name,
            country=business.country,
            opt_in_enabled=business.opt_in_enabled,
            created_at=now,
        )
    )


_GET_BUSINESS = sa.select(
    businesses.c.uid,
    businesses.c.directory_uid,
    businesses.c.name,
    businesses.c.country,
    businesses.c.opt_in_enabled,
).where(businesses.c.uid == sa.bindparam("business_uid"))


def get_business(conn: sa.Connection, *, business_uid: str) -> Business | None:
    row = conn.execute(_GET_BUSINESS, {"business_uid": business_uid}).first()
    return None if row is None else Business(**row._asdict())


def create_staff(
    conn: sa.Connection, *, business_uid: str, uid: str, name: str, now: datetime
) -> None:
    conn.execute(
        staff.insert().values(business_uid=business_uid, uid=uid, name=name, created_at=now)
    )


def staff_exists(conn: sa.Connection, *, business_uid: str, staff_uid: str) -> bool:
    query = sa.select(staff.c.uid).where(
        staff.c.business_uid == business_uid, staff.c.uid == staff_uid, staff.c.deleted_at.is_(None)
    )
    return conn.execute(query).first() is not None


def delete_staff(conn: sa.Connection, *, business_uid: str, staff_uid: str, now: datetime) -> bool:
    """Remove a staff member; their tokens stop working at once."""
    result = conn.execute(
        staff.update()
        .where(
            staff.c.business_uid == business_uid,
            staff.c.uid == staff_uid,
            staff.c.deleted_at.is_(None),
        )
        .values(deleted_at=now)
    )
    return result.rowcount > 0


def create_app(
    conn: sa.Connection, *, business_uid: str, uid: str, name: str, now: datetime
) -> None:
    conn.execute(
        apps.insert().values(business_uid=business_uid, uid=uid, name=name, created_at=now)
    )


def create_token(
    conn: sa.Connection, *, record: TokenRecord, issued_at: datetime, expires_at: datetime
) -> None:
    conn.execute(
        tokens.insert().values(
            jti=record.jti,
            kind=record.kind,
            subject_uid=record.subject_uid,
            business_uid=record.business_uid,
            directory_uid=record.directory_uid,
            issued_at=issued_at,
            expires_at=expires_at,
        )
    )


def revoke_token(conn: sa.Connection, *, jti: str, now: datetime) -> bool:
    result = conn.execute(
        tokens.update()
        .where(tokens.c.jti == jti, tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount > 0


def token_is_live(conn: sa.Connection, *, record: TokenRecord) -> bool:
    """The token was issued as claimed (scope included), is not revoked, and its principal
    still exists."""
    values = {
        "jti": record.jti,
        "subject_uid": record.subject_uid,
        "business_uid": record.business_uid,
        "directory_uid": record.directory_uid,
    }
    return conn.execute(_live_token_query(record.kind), values).first() is not None


@functools.cache
def _live_token_query(kind: str) -> sa.Select[Any]:
    """token_is_live's statement for one kind, built (and its cache key computed) once."""
    query = sa.select(tokens.c.jti).where(
        tokens.c.jti == sa.bindparam("jti"),
        tokens.c.revoked_at.is_(None),
        tokens.c.kind == kind,
        tokens.c.subject_uid == sa.bindparam("subject_uid"),
        tokens.c.business_uid.is_not_distinct_from(sa.bindparam("business_uid")),
        tokens.c.directory_uid.is_not_distinct_from(sa.bindparam("directory_uid")),
    )
    principal = _principal_exists(kind)
    return query if principal is None else query.where(principal)


def _principal_exists(kind: str) -> sa.ColumnElement[bool] | None:
    subject: sa.BindParameter[str] = sa.bindparam("subject_uid")
    business: sa.BindParameter[str] = sa.bindparam("business_uid")
    if kind == "directory":
        return sa.exists().where(directories.c.uid == subject)
    table = {"staff": staff, "app": apps}.get(kind)
    if table is not None:
        return sa.exists().where(
            table.c.business_uid == business,
            table.c.uid == subject,
            table.c.deleted_at.is_(None),
        )
    if kind == "client":
        return sa.exists().where(
            clients.c.business_uid == business,
            clients.c.id == subject,
            clients.c.deleted_at.is_(None),
        )
    return None


def business_in_directory(conn: sa.Connection, *, business_uid: str, directory_uid: str) -> bool:
    query = sa.select(businesses.c.uid).where(
        businesses.c.uid == business_uid, businesses.c.directory_uid == directory_uid
    )
    return conn.execute(query).first() is not None
