"""GET /ready: 200 only when the database answers and is at the migrations' head."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from clientbook.app import create_app
from clientbook.config import Settings
from clientbook.store import migrate
from clientbook.store.engine import create_engine, driver_url
from tests.conftest import TEST_SECRET
from tests.databases import fresh_database


def test_ready_when_migrated_to_head(http: Any, backend: str) -> None:
    response = http.get("/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "OK",
        "data": {"database": "ok", "revision": migrate.head_revision()},
    }


def test_not_ready_until_migrated_to_head(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = create_engine(url, pool_size=2)
        app = create_app(Settings(database_url=url, secret_key=TEST_SECRET))
        try:
            with TestClient(app) as client:
                assert client.get("/ready").status_code == 200
                engine.dispose()
                migrate.downgrade(url, "base")
                response = client.get("/ready")
                assert response.status_code == 503
                assert response.json() == {
                    "status": "Error",
                    "error": "Database not migrated",
                    "error_code": "database_not_migrated",
                }
                # Liveness is not readiness: the database still answers.
                assert client.get("/health").status_code == 200
                migrate.upgrade(url)
                assert client.get("/ready").status_code == 200
        finally:
            engine.dispose()


def test_not_ready_when_the_database_is_gone(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = create_engine(url, pool_size=2)
        app = create_app(Settings(database_url=url, secret_key=TEST_SECRET))
        try:
            with TestClient(app) as client:
                engine.dispose()
                _make_unreachable(backend, url)
                response = client.get("/ready")
                assert response.status_code == 503
                assert response.json()["error"] == "Database unavailable"
        finally:
            engine.dispose()


def _make_unreachable(backend: str, url: str) -> None:
    if backend == "sqlite":
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        os.mkdir(path)  # a directory where the database file was: it cannot be opened
        return
    parsed = sa.make_url(url)
    admin = sa.create_engine(
        driver_url(parsed.set(database="postgres").render_as_string(hide_password=False)),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{parsed.database}" WITH (FORCE)')
    admin.dispose()


@pytest.mark.parametrize("path", ["/ready", "/health", "/metrics"])
def test_operations_endpoints_need_no_token(http: Any, backend: str, path: str) -> None:
    assert http.get(path).status_code == 200
