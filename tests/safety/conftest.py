"""Fixtures of the safety suites (issue 4): scale, an app and a server without rate limit,
and a tally of what each suite tried, for docs/reliability.md.

CLIENTBOOK_SAFETY_SCALE multiplies every suite's attempts (default 1: the CI size, about a
minute in all); CLIENTBOOK_SAFETY_SEED fixes the random draws (default 4);
CLIENTBOOK_SAFETY_REPORT names a file that receives one JSON line per suite and backend.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from clientbook.app import create_app
from clientbook.config import Settings
from tests.safety.servers import Server

SEED = int(os.environ.get("CLIENTBOOK_SAFETY_SEED", "4"))


def scale() -> float:
    return float(os.environ.get("CLIENTBOOK_SAFETY_SCALE", "1"))


def scaled(count: int) -> int:
    """A suite's CI count of attempts, times CLIENTBOOK_SAFETY_SCALE (at least 1)."""
    return max(1, round(count * scale()))


def rng(name: str) -> random.Random:
    """A random source per suite, reproducible from CLIENTBOOK_SAFETY_SEED."""
    return random.Random(f"{SEED}:{name}")


def report(suite: str, backend: str, **figures: Any) -> None:
    """Record a suite's figures (attempts, failures, leaks, lost writes...)."""
    line = {"suite": suite, "backend": backend, "scale": scale(), "seed": SEED, **figures}
    path = os.environ.get("CLIENTBOOK_SAFETY_REPORT")
    if path:
        with open(path, "a") as out:
            out.write(json.dumps(line) + "\n")


@pytest.fixture(scope="session")
def unlimited_settings(settings: Settings) -> Settings:
    """The test settings with the rate limit off: the suites send thousands of requests."""
    return settings.model_copy(update={"rate_limit": 0})


@pytest.fixture(scope="session")
def unlimited_asgi(unlimited_settings: Settings, engine: sa.Engine) -> Iterator[TestClient]:
    app = create_app(unlimited_settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="session")
def unlimited_served(
    unlimited_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    import httpx2 as httpx

    server = Server(
        database_url=unlimited_settings.database_url,
        log_path=tmp_path_factory.mktemp("safety-served") / "serve.log",
        env={"CLIENTBOOK_RATE_LIMIT": "0"},
    )
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            yield client
    finally:
        server.stop()


@pytest.fixture(params=["asgi", "served"])
def unlimited_http(request: pytest.FixtureRequest) -> Any:
    """An HTTP client without rate limit: in-process, or a running server."""
    return request.getfixturevalue(f"unlimited_{request.param}")


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    return tmp_path
