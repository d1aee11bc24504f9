"""Plain factory functions with keyword overrides: tenants, tokens, headers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from clientbook import admin, auth, ids
from clientbook.config import Settings
from clientbook.store.database import Transaction
from tests import portal


@dataclass(frozen=True)
class Tenant:
    """A business with a directory, a staff member and an app, and their tokens."""

    directory_uid: str
    directory_token: str
    business_uid: str
    staff_uid: str
    staff_token: str
    app_uid: str
    app_token: str

    def headers(self, kind: str = "staff") -> dict[str, str]:
        """Auth headers acting on this business with a token of `kind`."""
        if kind == "directory":
            return bearer(self.directory_token, on_behalf_of=self.business_uid)
        return bearer(self.staff_token if kind == "staff" else self.app_token)


def bearer(token: str, *, on_behalf_of: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if on_behalf_of is not None:
        headers["X-On-Behalf-Of"] = on_behalf_of
    return headers


def tenant(
    engine: sa.Engine | None,
    settings: Settings,
    *,
    country: str = "US",
    opt_in_enabled: bool = True,
    directory: tuple[str, str] | None = None,
) -> Tenant:
    """A new business (in a new directory unless `directory=(uid, token)` is given).

    `engine` is not used (the rows are written through the async store at
    `settings.database_url`); it stays so that callers need not change."""
    now = ids.utcnow()

    async def make(tx: Transaction) -> Tenant:
        made = directory
        if made is None:
            created = await admin.create_directory(
                tx, name="Test directory", settings=settings, now=now
            )
            made = (created["uid"], created["token"])
        business = (
            await admin.create_business(
                tx,
                directory_uid=made[0],
                name="Test business",
                country=country,
                opt_in_enabled=opt_in_enabled,
                now=now,
            )
        )["uid"]
        staff = await admin.create_member(
            tx, kind="staff", business_uid=business, name="Sam", settings=settings, now=now
        )
        app = await admin.create_member(
            tx, kind="app", business_uid=business, name="App", settings=settings, now=now
        )
        return Tenant(
            directory_uid=made[0],
            directory_token=made[1],
            business_uid=business,
            staff_uid=staff["uid"],
            staff_token=staff["token"],
            app_uid=app["uid"],
            app_token=app["token"],
        )

    return portal.writing(settings.database_url, make)


def staff_member(engine: sa.Engine | None, settings: Settings, *, business_uid: str) -> str:
    """Another staff member of a business; returns its uid (`engine` is not used)."""
    made = portal.writing(
        settings.database_url,
        lambda tx: admin.create_member(
            tx,
            kind="staff",
            business_uid=business_uid,
            name="Another",
            settings=settings,
            now=ids.utcnow(),
        ),
    )
    return made["uid"]


def token(
    engine: sa.Engine | None,
    settings: Settings,
    *,
    kind: str,
    subject_uid: str,
    business_uid: str | None,
    directory_uid: str | None = None,
    now: datetime | None = None,
    ttl: timedelta = timedelta(days=1),
) -> str:
    """A recorded, signed token with any times (for expiry tests; `engine` is not used)."""

    async def issue(tx: Transaction) -> str:
        return await auth.issue(
            tx,
            auth.sign(
                key=await auth.secret_key(tx, settings),
                kind=kind,
                subject_uid=subject_uid,
                business_uid=business_uid,
                directory_uid=directory_uid,
                now=now or ids.utcnow(),
                ttl=ttl,
            ),
        )

    return portal.writing(settings.database_url, issue)


def revoke_token(settings: Settings, *tokens: str, now: datetime | None = None) -> None:
    """Revoke recorded tokens (admin.revoke_token), in one write unit."""

    async def revoke(tx: Transaction) -> None:
        for one in tokens:
            await admin.revoke_token(tx, token=one, settings=settings, now=now or ids.utcnow())

    portal.writing(settings.database_url, revoke)


def delete_staff(
    settings: Settings, *, business_uid: str, staff_uid: str, now: datetime | None = None
) -> None:
    """Remove a staff member (admin.delete_staff)."""
    portal.writing(
        settings.database_url,
        lambda tx: admin.delete_staff(
            tx, business_uid=business_uid, staff_uid=staff_uid, now=now or ids.utcnow()
        ),
    )
