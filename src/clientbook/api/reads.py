"""The read routes (list, search, merge candidates) run in threads, a few at a time.

They are synchronous (SQLAlchemy), so each runs in a worker thread. Left to the thread
pool's 40 threads, 16 concurrent list requests on one worker each took 13.6 ms of CPU
instead of 4.5 one at a time (SQLite, a million clients: threads contending for the GIL
and for SQLite), and the worker served 105-113 a second. With at most 2 at once (the
others wait their turn, without a thread) it served 197-217; 4 slots served 166-184
(docs/performance.md, sixth round). A read never waits on a lock for long (SQLite WAL
readers do not block; PostgreSQL reads take no row locks), so a slot cannot be held up
by a slow writer. The write routes keep the default pool.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response


class ReadThreads:
    """A limit on the read routes running at once, per event loop (a limiter belongs to
    one loop; a server has one, a test process may run several)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._limiters: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, anyio.CapacityLimiter
        ] = weakref.WeakKeyDictionary()

    def limiter(self) -> anyio.CapacityLimiter:
        loop = asyncio.get_running_loop()
        limiter = self._limiters.get(loop)
        if limiter is None:
            limiter = self._limiters[loop] = anyio.CapacityLimiter(self.size)
        return limiter

    async def run(self, work: Callable[[Request], Response], request: Request) -> Response:
        """`work(request)` in a worker thread, once one of the slots is free."""
        return await anyio.to_thread.run_sync(work, request, limiter=self.limiter())
