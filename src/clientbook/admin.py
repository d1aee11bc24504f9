"""Admin use cases behind the CLI: directories, businesses, staff, apps, tokens, demo."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import jwt

from clientbook import auth, ids
from clientbook.config import Settings
from clientbook.store import principals
from clientbook.store.database import Transaction

DEMO_SETTING = "demo"


class AdminError(Exception):
    """A refused admin command; the message is printed for the operator."""


def _ttl(settings: Settings) -> timedelta:
    return timedelta(days=settings.platform_token_ttl_days)


async def create_directory(
    tx: Transaction, *, name: str, settings: Settings, now: datetime
) -> dict[str, str]:
    uid = ids.new_uid()
    await principals.create_directory(tx, uid=uid, name=name, now=now)
    token = await auth.issue(
        tx,
        auth.sign(
            key=await auth.secret_key(tx, settings),
            kind="directory",
            subject_uid=uid,
            business_uid=None,
            directory_uid=uid,
            now=now,
            ttl=_ttl(settings),
        ),
    )
    return {"uid": uid, "token": token}


async def create_business(
    tx: Transaction,
    *,
    directory_uid: str,
    name: str,
    country: str,
    opt_in_enabled: bool,
    now: datetime,
) -> dict[str, str]:
    if not await principals.directory_exists(tx, directory_uid=directory_uid):
        raise AdminError(f"no directory {directory_uid}")
    if len(country) != 2 or not country.isalpha():
        raise AdminError("country must be an ISO 3166 alpha-2 code, such as US")
    uid = ids.new_uid()
    business = principals.Business(
        uid=uid,
        directory_uid=directory_uid,
        name=name,
        country=country.upper(),
        opt_in_enabled=opt_in_enabled,
    )
    await principals.create_business(tx, business=business, now=now)
    return {"uid": uid}


async def create_member(
    tx: Transaction,
    *,
    kind: str,
    business_uid: str,
    name: str,
    settings: Settings,
    now: datetime,
) -> dict[str, str]:
    """A staff member or an app of a business, with its token."""
    if await principals.get_business(tx, business_uid=business_uid) is None:
        raise AdminError(f"no business {business_uid}")
    uid = ids.new_uid()
    create = principals.create_staff if kind == "staff" else principals.create_app
    await create(tx, business_uid=business_uid, uid=uid, name=name, now=now)
    token = await auth.issue(
        tx,
        auth.sign(
            key=await auth.secret_key(tx, settings),
            kind=kind,
            subject_uid=uid,
            business_uid=business_uid,
            directory_uid=None,
            now=now,
            ttl=_ttl(settings),
        ),
    )
    return {"uid": uid, "token": token}


async def delete_staff(
    tx: Transaction, *, business_uid: str, staff_uid: str, now: datetime
) -> dict[str, bool]:
    if not await principals.delete_staff(
        tx, business_uid=business_uid, staff_uid=staff_uid, now=now
    ):
        raise AdminError(f"no staff member {staff_uid} in business {business_uid}")
    return {"deleted": True}


async def revoke_token(
    tx: Transaction, *, token: str, settings: Settings, now: datetime
) -> dict[str, bool]:
    """Revoke a token we signed (expired ones too); it stops working at once."""
    try:
        claims = jwt.decode(
            token,
            await auth.secret_key(tx, settings),
            algorithms=[auth.ALGORITHM],
            options={"verify_exp": False, "verify_aud": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        raise AdminError("not a token signed by this server") from None
    jti = claims.get("jti")
    if not isinstance(jti, str) or not await principals.revoke_token(tx, jti=jti, now=now):
        raise AdminError("unknown or already revoked token")
    return {"revoked": True}


async def demo(tx: Transaction, *, settings: Settings, now: datetime) -> dict[str, Any]:
    """Create the demo directory, business, staff member and app once; return them."""
    stored = await principals.get_setting(tx, key=DEMO_SETTING)
    if stored is not None:
        existing: dict[str, Any] = json.loads(stored)
        return existing
    directory = await create_directory(tx, name="Demo directory", settings=settings, now=now)
    business = await create_business(
        tx,
        directory_uid=directory["uid"],
        name="Demo business",
        country="US",
        opt_in_enabled=True,
        now=now,
    )
    staff = await create_member(
        tx,
        kind="staff",
        business_uid=business["uid"],
        name="Demo staff",
        settings=settings,
        now=now,
    )
    app = await create_member(
        tx, kind="app", business_uid=business["uid"], name="Demo app", settings=settings, now=now
    )
    result = {
        "directory": directory,
        "business": business,
        "staff": staff,
        "app": app,
    }
    await principals.put_setting_if_absent(tx, key=DEMO_SETTING, value=json.dumps(result))
    return result
