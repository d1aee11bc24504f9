"""A client's source records and matters are found through the client's creation moment
and id (tables.py, migration 0005), never by walking the business's rows: on SQLite
without statistics (a service database is never ANALYZEd) and on PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from clientbook.store import children, direct_sql, search
from clientbook.store import clients as client_store
from clientbook.store.tables import businesses, clients, directories, matters, source_records
from clientbook.store.uow import transaction
from tests import portal
from tests.databases import BACKENDS, seeded_engine

TARGET = "b000000000000000"
CLIENTS = 30_000
START = datetime(2025, 1, 1)


def _moment(n: int) -> datetime:
    return START + timedelta(minutes=n)


def seed(engine: sa.Engine) -> None:
    """One business of 30,000 clients, each with a source record and a matter."""
    rows = [
        {"business_uid": TARGET, "id": f"c{n:015d}", "status": "lead", "tags": [],
         "spam": False, "created_at": _moment(n), "updated_at": _moment(n)}
        for n in range(CLIENTS)
    ]  # fmt: skip
    with transaction(engine, write=True) as conn:
        conn.execute(directories.insert().values(uid="d" * 16, name="d", created_at=START))
        conn.execute(
            businesses.insert().values(
                uid=TARGET,
                directory_uid="d" * 16,
                name="b",
                country="US",
                opt_in_enabled=True,
                created_at=START,
            )
        )
        conn.execute(clients.insert(), rows)
        conn.execute(
            source_records.insert(),
            [
                {
                    "business_uid": TARGET,
                    "client_created_at": r["created_at"],
                    "client_id": r["id"],
                    "uid": f"s{n:015d}",
                    "created_at": r["created_at"],
                }
                for n, r in enumerate(rows)
            ],
        )
        conn.execute(
            matters.insert(),
            [
                {
                    "business_uid": TARGET,
                    "created_at": r["created_at"],
                    "uid": f"m{n:015d}",
                    "client_created_at": r["created_at"],
                    "client_id": r["id"],
                    "display_name": "x",
                    "fields": [],
                }
                for n, r in enumerate(rows)
            ],
        )
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    with seeded_engine(str(request.param), tmp_path_factory.mktemp("children"), seed) as engine:
        yield engine


def explain(conn: sa.Connection, statement: sa.Executable, params: dict[str, Any]) -> str:
    """The plan of `statement` run with `params`, as the driver received it (expanding
    IN-lists included): EXPLAIN on PostgreSQL, EXPLAIN QUERY PLAN on SQLite."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, sql: str, values: Any, *_: Any) -> None:
        sent.append((sql, values))

    sa.event.listen(conn, "before_cursor_execute", capture)
    try:
        conn.execute(statement, params)
    finally:
        sa.event.remove(conn, "before_cursor_execute", capture)
    sql, values = next((sql, v) for sql, v in reversed(sent) if sql != "BEGIN")
    prefix = "EXPLAIN" if conn.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN"
    rows = conn.exec_driver_sql(f"{prefix} {sql}", values).all()
    return "\n".join(row[0] if conn.dialect.name == "postgresql" else row[-1] for row in rows)


def walks_children(dialect: str, plan: str) -> list[str]:
    """Plan lines that read a business's source records or matters beyond one client's."""
    lines = plan.splitlines()
    if dialect == "postgresql":
        return [line for line in lines if re.search(r"Seq Scan on (source_records|matters)", line)]
    # A scan, or a search that does not reach the client's creation moment in the key.
    return [
        line
        for line in lines
        if re.match(r"\s*SCAN (source_records|matters|s|m)\b", line)
        or (
            re.match(r"\s*SEARCH (source_records|matters|s|m) ", line)
            and "client_created_at=?" not in line
        )
    ]


def _one_client(n: int) -> dict[str, Any]:
    return {"business_uid": TARGET, "client_created_at": _moment(n), "client_id": f"c{n:015d}"}


def _statements() -> dict[str, tuple[sa.Executable, dict[str, Any]]]:
    ids = [f"c{n:015d}" for n in range(100, 200)]
    of_some = children.of_clients(matters, business_uid=TARGET, client_ids=ids[:3])
    return {
        "a client's source record": (client_store._GET_SOURCE, _one_client(42)),
        "a client's matters": (client_store._GET_MATTERS, _one_client(42)),
        "a list page's source records": (
            search._sources_statement(),
            {"business_uid": TARGET, "client_ids": ids},
        ),
        "merge: matter counts": (
            sa.select(matters.c.client_id, sa.func.count())
            .where(of_some)
            .group_by(matters.c.client_id),
            {},
        ),
        "merge: matters moved": (
            matters.update().where(of_some).values(client_id=ids[0]),
            {},
        ),
        "delete: source records marked": (
            source_records.update()
            .where(children.of_clients(source_records, business_uid=TARGET, client_ids=ids[:1]))
            .values(deleted_at=START),
            {},
        ),
    }


@pytest.mark.parametrize("case", list(_statements()))
def test_children_are_read_through_their_clients_keys(seeded: sa.Engine, case: str) -> None:
    statement, params = _statements()[case]
    with seeded.connect() as conn:
        plan = explain(conn, statement, params)
        conn.rollback()
    assert not walks_children(seeded.dialect.name, plan), plan
    assert "source_records" in plan or "matters" in plan or " s " in plan or " m " in plan, plan


def test_get_one_reads_the_clients_source_record_and_matters_by_its_keys(
    seeded: sa.Engine,
) -> None:
    """The hot path's GET one statement (direct_sql.view), for a staff token."""
    dialect = direct_sql.SQLITE if seeded.dialect.name == "sqlite" else direct_sql.POSTGRES
    statement = direct_sql.view(dialect, "staff")
    text = statement.text
    for number, name in reversed(list(enumerate(statement.names, start=1))):
        text = text.replace(f"${number}", f":{name}")
    params = {
        "jti": "j", "kind": "staff", "subject": "s", "token_business": TARGET,
        "token_directory": None, "business": TARGET, "client_id": "c000000000000042",
    }  # fmt: skip
    with transaction(seeded, write=False) as conn:
        plan = explain(conn, sa.text(text), params)
    assert not walks_children(seeded.dialect.name, plan), plan


def test_sqlites_json_get_one_reads_the_source_record_and_matters_by_the_clients_keys(
    seeded: sa.Engine,
) -> None:
    """SQLite's GET one answered in JSON (direct_sql.single_json): its matters are sorted
    after the client's are found, never read in the business's key order instead."""
    if seeded.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's GET one is direct_sql.view (the test above)")
    params = {
        "jti": "j", "kind": "staff", "subject": "s", "token_business": TARGET,
        "token_directory": None, "business": TARGET, "client_id": "c000000000000042",
    }  # fmt: skip
    with transaction(seeded, write=False) as conn:
        plan = explain(conn, sa.text(direct_sql.single_json("staff").text), params)
    assert not walks_children(seeded.dialect.name, plan), plan
    assert "client_created_at=?" in plan, plan


def test_the_statements_find_the_clients_rows(seeded: sa.Engine) -> None:
    """The plans above are of statements that match (not of empty shortcuts)."""
    view = portal.reading(
        seeded.url.render_as_string(hide_password=False),
        lambda tx: client_store.get_view(tx, business_uid=TARGET, client_id="c000000000000042"),
    )
    assert view is not None
    assert view.source is not None
    assert len(view.matters) == 1
    found = portal.reading(
        seeded.url.render_as_string(hide_password=False),
        lambda tx: search.first_source_records(
            tx, business_uid=TARGET, client_ids=["c000000000000042", "c000000000000043"]
        ),
    )
    assert sorted(found) == ["c000000000000042", "c000000000000043"]
