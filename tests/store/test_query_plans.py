"""Every list query (contract 5.2) is answered through an index, never a full scan of
`clients`, on both backends. `python -m tests.store.test_query_plans` prints the plans
that docs/query-plans.md shows."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from clientbook.domain.model import ClientView
from clientbook.store import clients as client_store
from clientbook.store import search
from clientbook.store.database import Transaction
from clientbook.store.engine import create_engine
from clientbook.store.search import Filters
from clientbook.store.tables import businesses, clients, directories
from clientbook.store.uow import transaction
from tests import portal
from tests.databases import BACKENDS, fresh_database, seeded_engine

BUSINESSES = 40
PER_BUSINESS = 250
# The business the queries ask about is large, as a search index is for large businesses.
TARGET_CLIENTS = 20_000
TARGET = "b000000000000007"
START = datetime(2025, 1, 1)

CASES: dict[str, Filters] = {
    "list (no filter)": Filters(),
    "search_by=email": Filters(email="client42@example.com"),
    "search_by=uid": Filters(uid="c007000000000042"),
    "search_by=phone": Filters(
        phone_search=True, phone_digits="2025550142", phone_e164="+12025550142"
    ),
    "search_by=updated_at": Filters(updated_since=START + timedelta(hours=240)),
    "updated_at[gte] + updated_at[lte]": Filters(
        updated_since=START + timedelta(hours=100), updated_until=START + timedelta(hours=110)
    ),
    "search_term (substring)": Filters(substring="%zebra1234%"),
    "phone_exists=true": Filters(phone_exists=True),
}
# The index each query is expected to use (any listed one will do).
EXPECTED: dict[str, dict[str, tuple[str, ...]]] = {
    "postgresql": {
        "search_by=email": ("uq_clients_business_uid_email_live",),
        "search_by=uid": ("pk_clients",),
        "search_by=phone": (
            "ix_clients_business_uid_phone_digits_live",
            "ix_clients_business_uid_normalized_phone_live",
        ),
        "search_term (substring)": ("ix_clients_search_trgm_live",),
        "search_by=updated_at": ("ix_clients_business_uid_updated_at_modified_live",),
    },
    "sqlite": {
        "search_by=email": ("uq_clients_business_uid_email_live",),
        "search_by=uid": ("pk_clients", "sqlite_autoindex_clients_1"),
        "search_by=phone": (
            "ix_clients_business_uid_phone_digits_live",
            "ix_clients_business_uid_normalized_phone_live",
        ),
        "search_term (substring)": ("ix_clients_business_uid_created_at_id_live",),
        # The changed clients' keys from that index alone (no read of their rows).
        "search_by=updated_at": (
            "COVERING INDEX ix_clients_business_uid_updated_at_modified_live",
        ),
    },
}


def seed(engine: sa.Engine) -> None:
    """39 businesses of 250 clients and one of 20 000 (a tenth of them deleted), then
    fresh statistics."""
    with transaction(engine, write=True) as conn:
        conn.execute(directories.insert().values(uid="d" * 16, name="d", created_at=START))
        conn.execute(
            businesses.insert(),
            [
                {
                    "uid": f"b{b:015d}",
                    "directory_uid": "d" * 16,
                    "name": "b",
                    "country": "US",
                    "opt_in_enabled": True,
                    "created_at": START,
                }
                for b in range(BUSINESSES)
            ],
        )
        rows = [
            _client(b, n)
            for b in range(BUSINESSES)
            for n in range(TARGET_CLIENTS if f"b{b:015d}" == TARGET else PER_BUSINESS)
        ]
        conn.execute(clients.insert(), rows)
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def _client(b: int, n: int) -> dict[str, Any]:
    moment = START + timedelta(hours=n)
    return {
        "business_uid": f"b{b:015d}",
        "id": f"c{b:03d}{n:012d}",
        "first_name": f"Client{n}",
        "last_name": f"zebra{n}" if n % 617 == 0 else f"Last{n}",
        "email": f"client{n}@example.com",
        "mobile_phone": f"202-555-{n:04d}" if n % 3 else None,
        "normalized_phone": f"+1202555{n:04d}" if n % 3 else None,
        "phone_digits": f"202555{n:04d}" if n % 3 else None,
        "status": "lead",
        "tags": [],
        "spam": False,
        "created_at": moment,
        "updated_at": moment,
        "deleted_at": moment if n % 10 == 9 else None,
    }


def explain(conn: sa.Connection, query: sa.Select[Any]) -> list[str]:
    """The plan of `query`: EXPLAIN on PostgreSQL, EXPLAIN QUERY PLAN on SQLite."""
    compiled = query.compile(dialect=conn.dialect)
    sql = str(compiled)
    if conn.dialect.name == "postgresql":
        rows = conn.exec_driver_sql(f"EXPLAIN {sql}", compiled.params).all()
        return [row[0] for row in rows]
    positional = tuple(compiled.params[name] for name in compiled.positiontup or ())
    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", positional).all()
    return [row[-1] for row in rows]


def plans(engine: sa.Engine) -> dict[str, tuple[str, list[str]]]:
    """Each case's SQL and plan."""
    out: dict[str, tuple[str, list[str]]] = {}
    with transaction(engine, write=False) as conn:
        for name, filters in CASES.items():
            statement, params = search.list_query(
                business_uid=TARGET, filters=filters, offset=0, limit=25
            )
            query = statement.params(params)
            sql = str(query.compile(dialect=conn.dialect)).replace("\x1f", "\\x1f")
            sql = re.sub(r"SELECT .*? \n", "SELECT <every column of clients>\n", sql, count=1)
            plan = [line.replace("\x1f", "\\x1f") for line in explain(conn, query)]
            out[name] = (sql, plan)
    return out


def full_scans(dialect: str, plan: list[str]) -> list[str]:
    """Plan lines that read every row (or every index entry) of `clients`."""
    if dialect == "postgresql":
        return [line for line in plan if "Seq Scan on clients" in line]
    return [line for line in plan if line.strip().startswith("SCAN clients")]


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    with seeded_engine(str(request.param), tmp_path_factory.mktemp("plans"), seed) as engine:
        yield engine


@pytest.mark.parametrize("case", list(CASES))
def test_list_queries_use_an_index(seeded: sa.Engine, case: str) -> None:
    dialect = seeded.dialect.name
    _sql, plan = plans(seeded)[case]
    text = "\n".join(plan)
    assert not full_scans(dialect, plan), text
    assert "clients" in text or "ix_clients" in text or "pk_clients" in text, text
    for index in EXPECTED[dialect].get(case, ()):
        if index in text:
            break
    else:
        if EXPECTED[dialect].get(case):
            pytest.fail(f"expected one of {EXPECTED[dialect][case]}:\n{text}")


@pytest.mark.parametrize("except_id", [None, "c007000000000042"])
def test_the_email_uniqueness_check_uses_the_live_email_index(
    seeded: sa.Engine, except_id: str | None
) -> None:
    query = client_store.email_taken_query(
        business_uid=TARGET, email="Client42@example.com", except_id=except_id
    )
    with transaction(seeded, write=False) as conn:
        text = "\n".join(explain(conn, query))
        assert "uq_clients_business_uid_email_live" in text, text
    assert portal.reading(
        seeded.url.render_as_string(hide_password=False),
        lambda tx: client_store.email_taken(tx, business_uid=TARGET, email="CLIENT42@example.com"),
    )


def test_the_seeded_queries_find_rows(seeded: sa.Engine) -> None:
    """The plans are of queries that match something (not of empty shortcuts)."""
    names = ("search_by=email", "search_by=phone", "search_term (substring)")

    async def pages(tx: Transaction) -> dict[str, list[ClientView]]:
        return {
            name: await search.list_clients(
                tx, business_uid=TARGET, filters=CASES[name], offset=0, limit=25
            )
            for name in names
        }

    found = portal.reading(seeded.url.render_as_string(hide_password=False), pages)
    for name in names:
        assert found[name], name


def _markdown(backend: str, url: str) -> str:  # pragma: no cover - documentation helper
    engine = create_engine(url, pool_size=2)
    seed(engine)
    lines = [f"## {backend}", ""]
    for name, (sql, plan) in plans(engine).items():
        lines += [f"### {name}", "", "```sql", sql, "```", "", "```", *plan, "```", ""]
    engine.dispose()
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    for backend in BACKENDS:
        with fresh_database(backend, Path(sys.argv[1])) as url:
            print(_markdown(backend, url))
