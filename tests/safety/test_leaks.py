"""No leaks in errors: every error body is the envelope, with no stack trace, SQL, driver
name or file path, a 500 from an injected fault included."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from clientbook.app import create_app
from clientbook.config import Settings
from clientbook.store import database
from clientbook.store.engine import create_engine
from tests import factories
from tests.safety.world import BASE

LEAK = re.compile(
    r"Traceback|File \"|\.py\b|line \d+|sqlalchemy|psycopg|sqlite|postgres|SELECT |INSERT |"
    r"UPDATE |DELETE FROM|/work/|/tmp/|/usr/|site-packages|Exception|Error:|errno",
    re.IGNORECASE,
)
INTERNAL = {"status": "Error", "error": "Internal server error", "error_code": "internal_error"}


def assert_clean_error(response: Any) -> None:
    """The envelope of contract section 3 and nothing that tells how the server is built."""
    body = response.json()
    assert set(body) <= {"status", "error", "error_code", "errors"}, body
    assert body["status"] == "Error"
    assert isinstance(body["error_code"], str)
    assert re.fullmatch(r"[a-z_]+", body["error_code"])
    for text in (response.text, *response.headers.values()):
        assert not LEAK.search(text.replace("Internal server error", "")), text


def _bad_requests(client_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("GET", f"{BASE}/{client_id}'; DROP TABLE clients; --", {}),
        ("GET", f"{BASE}/%00%ff", {}),
        ("GET", f"{BASE}?per_page=1e999", {}),
        ("GET", f"{BASE}?updated_at[gte]=9999-99-99", {}),
        ("GET", f"{BASE}?search_by=phone&search_term=%F0%9F%92%A9", {}),
        ("PUT", f"{BASE}/{client_id}", {"content": b'{"email": "\\ud800"}'}),
        ("PUT", f"{BASE}/{client_id}", {"json": {"email": "a@" + "b" * 300 + ".com"}}),
        ("PUT", f"{BASE}/{client_id}", {"json": {"mobile_phone": "+" + "9" * 49}}),
        ("PUT", f"{BASE}/{client_id}", {"json": {"tags": "\x00,\x01"}}),
        ("PUT", f"{BASE}/{client_id}", {"json": {"first_name": "\x00"}}),
        ("POST", BASE, {"json": {"first_name": "Ada", "email": "ADA@example.com"}}),
        ("POST", BASE, {"json": {"first_name": "x", "staff_id": "' OR 1=1 --"}}),
        ("PUT", f"{BASE}/bulk", {"json": {"clients": [{"id": "x" * 5000, "opt_in": True}]}}),
        ("GET", f"{BASE}/merges/possible_merge_master?client_ids={client_id},zz", {}),
        ("PUT", f"{BASE}/merges/merge_clients?to_client_uid={client_id}&from_client_uids=%00", {}),
        ("PATCH", BASE, {}),
        # NUL characters: PostgreSQL refuses them in text (these were 500s there).
        ("GET", f"{BASE}/a%00", {}),
        ("PUT", f"{BASE}/a%00", {"json": {"first_name": "x"}}),
        ("DELETE", f"{BASE}/a%00", {}),
        ("PUT", f"{BASE}/bulk", {"json": {"clients": [{"id": "a\u0000", "opt_in": True}]}}),
        ("GET", f"{BASE}/merges/possible_merge_master?client_ids=a%00,{client_id}", {}),
        ("PUT", f"{BASE}/merges/merge_clients?to_client_uid=a%00&from_client_uids=b", {}),
        ("POST", BASE, {"json": {"first_name": "a\u0000", "staff_id": "b\u0000"}}),
        ("PUT", f"{BASE}/{client_id}", {"json": {"address": "a\u0000", "staff_id": "\u0000"}}),
        ("GET", f"{BASE}?search_term=a%00", {}),
        ("GET", "/platform/v1/%2e%2e/%2e%2e/etc/passwd", {}),
    ]


def test_error_bodies_are_the_envelope_and_leak_nothing(
    unlimited_http: Any, engine: sa.Engine, unlimited_settings: Settings
) -> None:
    tenant = factories.tenant(engine, unlimited_settings)
    created = unlimited_http.post(
        BASE, json={"first_name": "Ada", "email": "ada@example.com"}, headers=tenant.headers()
    )
    client_id = created.json()["data"]["client"]["id"]
    for method, url, extra in _bad_requests(client_id):
        kwargs = dict(extra)
        headers = {**tenant.headers(), "Content-Type": "application/json"}
        response = unlimited_http.request(method, url, headers=headers, **kwargs)
        assert response.status_code < 500, f"{method} {url}: {response.text}"
        if response.status_code >= 400:
            assert_clean_error(response)


_CLIENT_TABLES = re.compile(r"\b(FROM|INTO|UPDATE|JOIN)\s+(clients|matters|source_records)\b", re.I)


@pytest.fixture
def faulty(unlimited_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app over an engine (and a hot-path store) whose every statement on client tables
    fails like a broken database, with SQL, a driver name and a path in the exception."""
    engine = create_engine(unlimited_settings.database_url, pool_size=2)

    def broken(method: Any) -> Any:
        async def run(self: Any, statement: Any, params: Any) -> Any:
            if _CLIENT_TABLES.search(statement.text):
                raise sqlite3.OperationalError(
                    f"{statement.text}: unable to open /srv/clientbook/data/clientbook.db"
                )
            return await method(self, statement, params)

        return run

    def broken_core(method: Any) -> Any:
        async def run(self: Any, statement: Any, params: Any = None) -> Any:
            if _CLIENT_TABLES.search(str(statement)):
                raise sqlite3.OperationalError(
                    f"{statement}: unable to open /srv/clientbook/data/clientbook.db"
                )
            return await method(self, statement, params)

        return run

    for transaction in (database.SqliteTransaction, database.PostgresTransaction):
        monkeypatch.setattr(transaction, "_first", broken(transaction._first))
        monkeypatch.setattr(transaction, "_write", broken(transaction._write))
        monkeypatch.setattr(transaction, "execute", broken_core(transaction.execute))

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _fault(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if _CLIENT_TABLES.search(statement):
            raise sa.exc.OperationalError(
                statement,
                {"business_uid": "secret"},
                RuntimeError("psycopg: connection to /var/run/postgresql/.s.PGSQL.5432 failed"),
            )

    app = create_app(unlimited_settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    engine.dispose()


def test_an_injected_fault_is_a_bare_500(
    faulty: TestClient, engine: sa.Engine, unlimited_settings: Settings, caplog: Any
) -> None:
    tenant = factories.tenant(engine, unlimited_settings)
    requests: list[tuple[str, str, Any]] = [
        ("GET", f"{BASE}/abc", None),
        ("GET", BASE, None),
        ("POST", BASE, {"first_name": "Ada"}),
        ("PUT", f"{BASE}/abc", {"first_name": "Ada"}),
        ("DELETE", f"{BASE}/abc", None),
        ("PUT", f"{BASE}/bulk", {"clients": [{"id": "abc", "opt_in": True}]}),
        ("GET", f"{BASE}/merges/possible_merge_master?client_ids=a,b", None),
        ("PUT", f"{BASE}/merges/merge_clients?to_client_uid=a&from_client_uids=b", None),
    ]
    with caplog.at_level("CRITICAL", logger="clientbook"):
        for method, url, body in requests:
            response = faulty.request(method, url, json=body, headers=tenant.headers())
            assert (response.status_code, response.json()) == (500, INTERNAL), url
            assert_clean_error(response)
            assert response.headers["X-Request-Id"]
