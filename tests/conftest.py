"""Fixtures: every behavioural test runs on SQLite and PostgreSQL, in-process (ASGI) and
against a running `clientbook serve` (black box)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from clientbook.app import create_app
from clientbook.config import Settings
from clientbook.store.engine import create_engine
from tests import factories
from tests.databases import BACKENDS, fresh_database

TEST_SECRET = "test-secret-key-0123456789abcdef0123456789"


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(backend, tmp_path_factory.mktemp(backend)) as url:
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=TEST_SECRET)


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[sa.Engine]:
    engine = create_engine(settings.database_url, pool_size=20)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app(settings: Settings, engine: sa.Engine) -> Any:
    return create_app(settings)


@pytest.fixture(scope="session")
def asgi_client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def served_client(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    """A real `clientbook serve` process on the same database."""
    port = _free_port()
    env = {
        **os.environ,
        "CLIENTBOOK_DATABASE_URL": settings.database_url,
        "CLIENTBOOK_SECRET_KEY": TEST_SECRET,
    }
    log = (tmp_path_factory.mktemp("served") / "serve.log").open("w")
    clientbook = str(Path(sys.executable).parent / "clientbook")
    process = subprocess.Popen(
        [clientbook, "serve", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"clientbook serve did not start; see {log.name}")
            time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=30) as client:
            yield client
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(params=["asgi", "served"])
def http(request: pytest.FixtureRequest, backend: str) -> Any:
    """An HTTP client: the app in-process, or a running server (black box).

    `backend` is named so a test needing only `http` is still run on every backend.
    """
    if request.param == "served":
        return request.getfixturevalue("served_client")
    return request.getfixturevalue("asgi_client")


@pytest.fixture
def tenant(engine: sa.Engine, settings: Settings) -> factories.Tenant:
    return factories.tenant(engine, settings)
