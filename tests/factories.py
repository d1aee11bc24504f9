"""Plain factory functions with keyword overrides: tenants, tokens, headers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from clientbook import admin, auth, ids
from clientbook.config import Settings
from clientbook.store.uow import transaction


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
    engine: sa.Engine,
    settings: Settings,
    *,
    country: str = "US",
    opt_in_enabled: bool = True,
    directory: tuple[str, str] | None = None,
) -> Tenant:
    """A new business (in a new directory unless `directory=(uid, token)` is given)."""
    now = ids.utcnow()
    with transaction(engine, write=True) as conn:
        if directory is None:
            made = admin.create_directory(conn, name="Test directory", settings=settings, now=now)
            directory = (made["uid"], made["token"])
        business = admin.create_business(
            conn,
            directory_uid=directory[0],
            name="Test business",
            country=country,
            opt_in_enabled=opt_in_enabled,
            now=now,
        )["uid"]
        staff = admin.create_member(
            conn, kind="staff", business_uid=business, name="Sam", settings=settings, now=now
        )
        app = admin.create_member(
            conn, kind="app", business_uid=business, name="App", settings=settings, now=now
        )
    return Tenant(
        directory_uid=directory[0],
        directory_token=directory[1],
        business_uid=business,
        staff_uid=staff["uid"],
        staff_token=staff["token"],
        app_uid=app["uid"],
        app_token=app["token"],
    )


def staff_member(engine: sa.Engine, settings: Settings, *, business_uid: str) -> str:
    """Another staff member of a business; returns its uid."""
    with transaction(engine, write=True) as conn:
        made = admin.create_member(
            conn,
            kind="staff",
            business_uid=business_uid,
            name="Another",
            settings=settings,
            now=ids.utcnow(),
        )
    return made["uid"]


def token(
    engine: sa.Engine,
    settings: Settings,
    *,
    kind: str,
    subject_uid: str,
    business_uid: str | None,
    directory_uid: str | None = None,
    now: datetime | None = None,
    ttl: timedelta = timedelta(days=1),
) -> str:
    """A recorded, signed token with any times (for expiry tests)."""
    with transaction(engine, write=True) as conn:
        return auth.issue(
            conn,
            auth.sign(
                key=auth.secret_key(conn, settings),
                kind=kind,
                subject_uid=subject_uid,
                business_uid=business_uid,
                directory_uid=directory_uid,
                now=now or ids.utcnow(),
                ttl=ttl,
            ),
        )
