"""The per-business rate limit: 429 `Too many requests` with Retry-After past
CLIENTBOOK_RATE_LIMIT requests a minute; other businesses unaffected; one count shared by
every server process through Redis (CLIENTBOOK_REDIS_URL)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import redis
import sqlalchemy as sa
from starlette.testclient import TestClient

from clientbook import ids
from clientbook.api.ratelimit import RateLimit
from clientbook.app import create_app
from clientbook.config import Settings
from clientbook.errors import TooManyRequests
from tests import factories, portal
from tests.safety.servers import serving
from tests.safety.world import BASE

LIMIT = 5
TOO_MANY = {"status": "Error", "error": "Too many requests", "error_code": "too_many_requests"}
REDIS_URL = os.environ.get("CLIENTBOOK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_or_skip() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL} (CLIENTBOOK_TEST_REDIS_URL)")
    return REDIS_URL


@pytest.fixture
def limited(settings: Settings, engine: sa.Engine) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"rate_limit": LIMIT}))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _probe(http: Any, tenant: factories.Tenant, kind: str = "staff") -> Any:
    return http.get(f"{BASE}/{ids.new_uid()}", headers=tenant.headers(kind))


def _assert_limited(response: Any) -> None:
    assert response.status_code == 429, response.text
    assert response.json() == TOO_MANY
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def _count_until_limited(send: Any, budget: int) -> int:
    """How many requests pass before the first 429 (at most `budget`)."""
    for sent in range(budget):
        response = send(sent)
        if response.status_code == 429:
            _assert_limited(response)
            return sent
        assert response.status_code == 404, response.text
    return budget


def test_a_business_past_its_limit_gets_429_with_retry_after(
    limited: TestClient, engine: sa.Engine, settings: Settings
) -> None:
    noisy = factories.tenant(engine, settings)
    # Every kind of token counts against the business it acts on.
    kinds = ["staff", "app", "directory"]
    passed = _count_until_limited(lambda i: _probe(limited, noisy, kinds[i % 3]), 3 * LIMIT)
    # A sliding window may let one more through when a minute turns.
    assert passed in (LIMIT, LIMIT + 1)
    _assert_limited(_probe(limited, noisy))


def test_another_business_is_not_affected(
    limited: TestClient, engine: sa.Engine, settings: Settings
) -> None:
    noisy = factories.tenant(engine, settings)
    # Same directory: the limit is per business, not per directory or token.
    quiet = factories.tenant(
        engine, settings, directory=(noisy.directory_uid, noisy.directory_token)
    )
    for _ in range(3 * LIMIT):
        _probe(limited, noisy)
    _assert_limited(_probe(limited, noisy))

    for kind in ("staff", "app", "directory"):
        assert _probe(limited, quiet, kind).status_code == 404


def test_refused_requests_do_not_count(
    limited: TestClient, engine: sa.Engine, settings: Settings
) -> None:
    tenant = factories.tenant(engine, settings)
    for _ in range(3 * LIMIT):
        bad = limited.get(BASE, headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401
        other = limited.get(BASE, headers=factories.bearer(tenant.staff_token, on_behalf_of="x"))
        assert other.status_code == 401
    assert _probe(limited, tenant).status_code == 404


def test_zero_turns_the_limit_off(unlimited_asgi: TestClient, tenant: factories.Tenant) -> None:
    for _ in range(3 * LIMIT):
        assert _probe(unlimited_asgi, tenant).status_code == 404


def test_an_unreachable_redis_fails_open() -> None:
    limiter = RateLimit(per_minute=1, storage_url="redis://127.0.0.1:1/0", key_prefix="x")

    async def hits() -> None:
        for _ in range(3):
            await limiter.hit("business")  # no TooManyRequests, no crash
        await limiter.close()

    portal.run(hits())  # a loop that stays open: Redis's connections belong to it


def test_redis_storage_counts_per_business() -> None:
    url = _redis_or_skip()
    prefix = f"clientbook-test-{secrets.token_hex(6)}"
    first = RateLimit(per_minute=2, storage_url=url, key_prefix=prefix)
    second = RateLimit(per_minute=2, storage_url=url, key_prefix=prefix)

    async def hits() -> None:
        await first.hit("b1")
        await second.hit("b1")
        with pytest.raises(TooManyRequests):
            await first.hit("b1")
        await second.hit("b2")
        await first.close()
        await second.close()

    portal.run(hits())  # a loop that stays open: Redis's connections belong to it


def test_two_servers_sharing_redis_share_one_limit(
    settings: Settings, engine: sa.Engine, tmp_path: Path, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("the count lives in Redis whatever the database: run once, on SQLite")
    url = _redis_or_skip()
    tenant = factories.tenant(engine, settings)
    other = factories.tenant(engine, settings)
    env = {
        "CLIENTBOOK_RATE_LIMIT": str(LIMIT),
        "CLIENTBOOK_REDIS_URL": url,
        "CLIENTBOOK_RATE_LIMIT_KEY_PREFIX": f"clientbook-test-{secrets.token_hex(6)}",
    }
    with (
        serving(settings.database_url, tmp_path / "one.log", **env) as one,
        serving(settings.database_url, tmp_path / "two.log", **env) as two,
        httpx.Client(base_url=one.base_url, timeout=30) as first,
        httpx.Client(base_url=two.base_url, timeout=30) as second,
    ):
        servers = [first, second]
        passed = _count_until_limited(lambda i: _probe(servers[i % 2], tenant), 3 * LIMIT)
        # Each process alone would let LIMIT through: 2 * LIMIT in all.
        assert passed in (LIMIT, LIMIT + 1)
        _assert_limited(_probe(first, tenant))
        _assert_limited(_probe(second, tenant))
        assert _probe(first, other).status_code == 404
        assert _probe(second, other).status_code == 404
