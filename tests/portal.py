"""Run the async store from synchronous test code: one event loop in a background thread
for the whole test session, and one store per database URL on it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from clientbook.store.database import DirectStore, Transaction, open_store

T = TypeVar("T")
_loop = asyncio.new_event_loop()
threading.Thread(target=_loop.run_forever, name="test-portal", daemon=True).start()
_stores: dict[str, DirectStore] = {}


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on the portal's loop and return its result (or raise its error)."""
    return asyncio.run_coroutine_threadsafe(coroutine, _loop).result()


def store(database_url: str) -> DirectStore:
    """The portal's store for a database (made on first use)."""
    found = _stores.get(database_url)
    if found is None:
        found = _stores[database_url] = open_store(database_url, pool_size=4)
    return found


def forget(database_url: str) -> None:
    """Close the portal's store of a database (before the database is dropped)."""
    found = _stores.pop(database_url, None)
    if found is not None:
        run(_close(found))


async def _close(found: DirectStore) -> None:
    await found.close()


def writing(database_url: str, work: Callable[[Transaction], Awaitable[T]]) -> T:
    """`work(tx)` in one write unit on the database; its result."""

    async def unit() -> T:
        async with store(database_url).writing() as tx:
            return await work(tx)

    return run(unit())


def reading(database_url: str, work: Callable[[Transaction], Awaitable[T]]) -> T:
    """`work(tx)` in one read snapshot of the database; its result."""

    async def unit() -> T:
        async with store(database_url).snapshot() as tx:
            return await work(tx)

    return run(unit())
