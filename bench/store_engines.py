"""One statement run by clientbook's store (Core compiled once, asyncpg) against the same
statement run by SQLAlchemy's async engine (asyncpg, no reset on return), one at a time.

    .venv/bin/python -m bench.store_engines postgresql://postgres@127.0.0.1:5432/DB

The database must be migrated (`clientbook migrate`). Prints us a statement, alternating.
"""

from __future__ import annotations

import asyncio
import sys
import time

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from clientbook.store.database import open_store
from clientbook.store.tables import clients

N = 5000
STATEMENT = sa.select(*clients.c).where(
    clients.c.business_uid == sa.bindparam("b"), clients.c.id == sa.bindparam("i")
)


async def _store(url: str) -> float:
    store = open_store(url, pool_size=2)
    await store.start()
    started = time.perf_counter()
    for _ in range(N):
        async with store.reading() as tx:
            await tx.execute(STATEMENT, {"b": "x", "i": "y"})
    elapsed = time.perf_counter() - started
    await store.close()
    return elapsed


async def _sqlalchemy(url: str) -> float:
    engine = create_async_engine(
        url.replace("postgresql://", "postgresql+asyncpg://", 1),
        pool_size=2,
        pool_reset_on_return=None,
    )
    started = time.perf_counter()
    for _ in range(N):
        async with engine.connect() as conn:
            (await conn.execute(STATEMENT, {"b": "x", "i": "y"})).all()
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed


async def _main(url: str) -> None:
    for name, run in (("store", _store), ("sqlalchemy", _sqlalchemy)) * 2:
        print(f"{name}: {await run(url) / N * 1e6:.0f} us a statement", flush=True)


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1]))
