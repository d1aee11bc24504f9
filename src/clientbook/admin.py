"""Admin use cases behind the CLI: directories, businesses, staff, apps, tokens, demo."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import jwt
import sqlalchemy as sa

from clientbook import auth, ids
from clientbook.config import Settings
from clientbook.store import principals

DEMO_SETTING = "demo"


class AdminError(Exception):
    """A refused admin command; the message is printed for the operator."""


def _ttl(settings: Settings) -> timedelta:
    return timedelta(days=settings.platform_token_ttl_days)


def create_directory(
    conn: sa.Connection, *, name: str, settings: Settings, now: datetime
) -> dict[str, str]:
    uid = ids.new_uid()
    principals.create_directory(conn, uid=uid, name=name, now=now)
    token = auth.issue(
        conn,
        auth.sign(
            key=auth.secret_key(conn, settings),
            kind="directory",
            subject_uid=uid,
            business_uid=None,
            directory_uid=uid,
            now=now,
            ttl=_ttl(settings),
        ),
    )
    return {"uid": uid, "token": token}


def create_business(
    conn: sa.Connection,
    *,
    directory_uid: str,
    name: str,
    country: str,
    opt_in_enabled: bool,
    now: datetime,
) -> dict[str, str]:
    if not principals.directory_exists(conn, directory_uid=directory_uid):
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
    principals.create_business(conn, business=business, now=now)
    return {"uid": uid}


def create_member(
    conn: sa.Connection,
    *,
    kind: str,
    business_uid: str,
    name: str,
    settings: Settings,
    now: datetime,
) -> dict[str, str]:
    """A staff member or an app of a business, with its token."""
    if principals.get_business(conn, business_uid=business_uid) is None:
        raise AdminError(f"no business {business_uid}")
    uid = ids.new_uid()
    create = principals.create_staff if kind == "staff" else principals.create_app
    create(conn, business_uid=business_uid, uid=uid, name=name, now=now)
    token = auth.issue(
        conn,
        auth.sign(
            key=auth.secret_key(conn, settings),
            kind=kind,
            subject_uid=uid,
            business_uid=business_uid,
            directory_uid=None,
            now=now,
            ttl=_ttl(settings),
        ),
    )
    return {"uid": uid, "token": token}


def delete_staff(
    conn: sa.Connection, *, business_uid: str, staff_uid: str, now: datetime
) -> dict[str, bool]:
    if not principals.delete_staff(conn, business_uid=business_uid, staff_uid=staff_uid, now=now):
        raise AdminError(f"no staff member {staff_uid} in business {business_uid}")
    return {"deleted": True}


def revoke_token(
    conn: sa.Connection, *, token: str, settings: Settings, now: datetime
) -> dict[str, bool]:
    """Revoke a token we signed (expired ones too); it stops working at once."""
    try:
        claims = jwt.decode(
            token,
            auth.secret_key(conn, settings),
            algorithms=[auth.ALGORITHM],
            options={"verify_exp": False, "verify_aud": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        raise AdminError("not a token signed by this server") from None
    jti = claims.get("jti")
    if not isinstance(jti, str) or not principals.revoke_token(conn, jti=jti, now=now):
        raise AdminError("unknown or already revoked token")
    return {"revoked": True}


def demo(conn: sa.Connection, *, settings: Settings, now: datetime) -> dict[str, Any]:
    """Create the demo directory, business, staff member and app once; return them."""
    stored = principals.get_setting(conn, key=DEMO_SETTING)
    if stored is not None:
        existing: dict[str, Any] = json.loads(stored)
        return existing
    directory = create_directory(conn, name="Demo directory", settings=settings, now=now)
    business = create_business(
        conn,
        directory_uid=directory["uid"],
        name="Demo business",
        country="US",
        opt_in_enabled=True,
        now=now,
    )
    staff = create_member(
        conn,
        kind="staff",
        business_uid=business["uid"],
        name="Demo staff",
        settings=settings,
        now=now,
    )
    app = create_member(
        conn, kind="app", business_uid=business["uid"], name="Demo app", settings=settings, now=now
    )
    result = {
        "directory": directory,
        "business": business,
        "staff": staff,
        "app": app,
    }
    principals.put_setting_if_absent(conn, key=DEMO_SETTING, value=json.dumps(result))
    return result
