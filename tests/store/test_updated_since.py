"""`updated_at >= T` in creation order (contract 5.2) is answered exactly by the
two-part query: clients created before T and changed since, then those created from T."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from clientbook.store import search
from clientbook.store.search import Filters
from clientbook.store.tables import clients
from clientbook.store.uow import transaction
from tests import portal
from tests.factories import Tenant

T = datetime(2026, 6, 1, 12, 0, 0)


def _row(business_uid: str, n: int, *, created: datetime, updated: datetime) -> dict[str, Any]:
    return {
        "business_uid": business_uid,
        "id": f"u{n:015d}",
        "first_name": f"C{n}",
        "status": "lead",
        "tags": [],
        "spam": False,
        "created_at": created,
        "updated_at": updated,
    }


def _ids(engine: sa.Engine, business_uid: str, *, offset: int, limit: int, **kw: Any) -> list[str]:
    views = portal.reading(
        _url(engine),
        lambda tx: search.list_clients(
            tx,
            business_uid=business_uid,
            filters=Filters(updated_since=T, **kw),
            offset=offset,
            limit=limit,
        ),
    )
    return [view.client.id for view in views]


def _url(engine: sa.Engine) -> str:
    """The engine's database, for the async store (tests/portal.py)."""
    return engine.url.render_as_string(hide_password=False)


def test_clients_changed_after_t_come_first_in_creation_order(
    engine: sa.Engine, tenant: Tenant
) -> None:
    hour = timedelta(hours=1)
    rows = [
        _row(tenant.business_uid, 0, created=T - 5 * hour, updated=T - 5 * hour),  # out
        _row(tenant.business_uid, 1, created=T - 4 * hour, updated=T + hour),  # changed
        _row(tenant.business_uid, 2, created=T - 3 * hour, updated=T - hour),  # out
        _row(tenant.business_uid, 3, created=T - 2 * hour, updated=T),  # changed, at T
        _row(tenant.business_uid, 4, created=T, updated=T),  # created at T
        _row(tenant.business_uid, 5, created=T + hour, updated=T + 3 * hour),
        _row(tenant.business_uid, 6, created=T + 2 * hour, updated=T + 2 * hour),
    ]
    with transaction(engine, write=True) as conn:
        conn.execute(clients.insert(), rows)
    expected = ["u000000000000001", "u000000000000003", *(f"u{n:015d}" for n in (4, 5, 6))]

    assert _ids(engine, tenant.business_uid, offset=0, limit=25) == expected
    # Pages cut across the two parts exactly.
    pages = [_ids(engine, tenant.business_uid, offset=o, limit=2) for o in (0, 2, 4, 6)]
    assert pages == [expected[0:2], expected[2:4], expected[4:5], []]
    # With an upper bound too.
    bounded = _ids(engine, tenant.business_uid, offset=0, limit=25, updated_until=T + hour)
    assert bounded == ["u000000000000001", "u000000000000003", "u000000000000004"]
    # With a search term (its expression is checked on the older clients read first).
    for limit in (1, 25):
        found = _ids(engine, tenant.business_uid, offset=0, limit=limit, substring="%c3%")
        assert found == ["u000000000000003"]


def test_rows_keep_their_types_through_the_union(engine: sa.Engine, tenant: Tenant) -> None:
    row = _row(tenant.business_uid, 7, created=T - timedelta(hours=1), updated=T)
    with transaction(engine, write=True) as conn:
        conn.execute(clients.insert(), [{**row, "tags": ["vip", "new"], "opt_in": True}])
    (view,) = portal.reading(
        _url(engine),
        lambda tx: search.list_clients(
            tx,
            business_uid=tenant.business_uid,
            filters=Filters(updated_since=T),
            offset=0,
            limit=25,
        ),
    )
    assert view.client.tags == ["vip", "new"]
    assert view.client.opt_in is True
    assert view.client.updated_at == T


def test_many_changed_clients_page_in_creation_order_whatever_their_change_order(
    engine: sa.Engine, tenant: Tenant
) -> None:
    """More clients changed since T than a page holds: each page is the next ones in
    creation order (not in the order they were changed), then those created from T."""
    minute = timedelta(minutes=1)
    changed = [
        # Created before T, changed after it in the reverse order of their creation.
        _row(tenant.business_uid, n, created=T - (100 - n) * minute, updated=T + (60 - n) * minute)
        for n in range(40)
    ]
    unchanged = [
        _row(tenant.business_uid, n, created=T - (100 - n) * minute, updated=T - minute)
        for n in range(40, 50)
    ]
    created_after = [
        _row(tenant.business_uid, n, created=T + (n - 49) * minute, updated=T + (n - 49) * minute)
        for n in range(50, 55)
    ]
    with transaction(engine, write=True) as conn:
        conn.execute(clients.insert(), [*changed, *unchanged, *created_after])
    expected = [f"u{n:015d}" for n in [*range(40), *range(50, 55)]]

    pages = [_ids(engine, tenant.business_uid, offset=o, limit=10) for o in range(0, 50, 10)]
    assert pages == [expected[o : o + 10] for o in range(0, 50, 10)]
    assert _ids(engine, tenant.business_uid, offset=0, limit=100) == expected


def test_changed_clients_far_down_the_creation_order_are_found(
    engine: sa.Engine, tenant: Tenant
) -> None:
    """The first step reads a bounded number of the older clients (search.WALK_PER_ROW
    a row asked for); changed clients created after all of those are found all the same."""
    minute = timedelta(minutes=1)
    older = search.WALK_PER_ROW * 3
    rows = [
        _row(tenant.business_uid, n, created=T - (1000 - n) * minute, updated=T - minute)
        for n in range(older)
    ]
    rows += [
        _row(tenant.business_uid, n, created=T - (1000 - n) * minute, updated=T + minute)
        for n in range(older, older + 3)
    ]
    rows.append(_row(tenant.business_uid, 999, created=T, updated=T))
    with transaction(engine, write=True) as conn:
        conn.execute(clients.insert(), rows)
    changed = [f"u{n:015d}" for n in range(older, older + 3)]

    assert _ids(engine, tenant.business_uid, offset=0, limit=1) == changed[:1]
    assert _ids(engine, tenant.business_uid, offset=1, limit=2) == changed[1:]
    assert _ids(engine, tenant.business_uid, offset=0, limit=25) == [*changed, "u000000000000999"]
    # Other filters hold in both steps.
    assert _ids(engine, tenant.business_uid, offset=0, limit=1, updated_until=T) == [
        "u000000000000999"
    ]
