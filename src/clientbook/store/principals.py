"""Directories, businesses, staff, apps, tokens and server settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from clientbook.store.tables import (
    apps,
    businesses,
    directories,
    server_settings,
    staff,
    tokens,
)

if TYPE_CHECKING:  # database.py imports Business and TokenRecord from here
    from clientbook.store.database import Transaction


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


async def get_setting(tx: Transaction, *, key: str) -> str | None:
    row = (
        await tx.execute(sa.select(server_settings.c.value).where(server_settings.c.key == key))
    ).first()
    return None if row is None else str(row.value)


async def put_setting_if_absent(tx: Transaction, *, key: str, value: str) -> str:
    """Store a value unless one is there; return the value that is stored."""
    existing = await get_setting(tx, key=key)
    if existing is not None:
        return existing
    await tx.execute(server_settings.insert().values(key=key, value=value))
    return value


async def create_directory(tx: Transaction, *, uid: str, name: str, now: datetime) -> None:
    await tx.execute(directories.insert().values(uid=uid, name=name, created_at=now))


async def directory_exists(tx: Transaction, *, directory_uid: str) -> bool:
    query = sa.select(directories.c.uid).where(directories.c.uid == directory_uid)
    return (await tx.execute(query)).first() is not None


async def create_business(tx: Transaction, *, business: Business, now: datetime) -> None:
    await tx.execute(
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


async def get_business(tx: Transaction, *, business_uid: str) -> Business | None:
    row = (await tx.execute(_GET_BUSINESS, {"business_uid": business_uid})).first()
    return None if row is None else Business(**row._asdict())


async def create_staff(
    tx: Transaction, *, business_uid: str, uid: str, name: str, now: datetime
) -> None:
    await tx.execute(
        staff.insert().values(business_uid=business_uid, uid=uid, name=name, created_at=now)
    )


async def staff_exists(tx: Transaction, *, business_uid: str, staff_uid: str) -> bool:
    query = sa.select(staff.c.uid).where(
        staff.c.business_uid == business_uid, staff.c.uid == staff_uid, staff.c.deleted_at.is_(None)
    )
    return (await tx.execute(query)).first() is not None


async def delete_staff(
    tx: Transaction, *, business_uid: str, staff_uid: str, now: datetime
) -> bool:
    """Remove a staff member; their tokens stop working at once."""
    result = await tx.execute(
        staff.update()
        .where(
            staff.c.business_uid == business_uid,
            staff.c.uid == staff_uid,
            staff.c.deleted_at.is_(None),
        )
        .values(deleted_at=now)
    )
    return result.rowcount > 0


async def create_app(
    tx: Transaction, *, business_uid: str, uid: str, name: str, now: datetime
) -> None:
    await tx.execute(
        apps.insert().values(business_uid=business_uid, uid=uid, name=name, created_at=now)
    )


async def create_token(
    tx: Transaction, *, record: TokenRecord, issued_at: datetime, expires_at: datetime
) -> None:
    await tx.execute(
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


async def revoke_token(tx: Transaction, *, jti: str, now: datetime) -> bool:
    result = await tx.execute(
        tokens.update()
        .where(tokens.c.jti == jti, tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount > 0
