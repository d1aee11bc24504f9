"""A `clientbook serve` worker stops once its server process is gone.

granian's server process starts the worker processes and tells them when to stop. Killed
outright (SIGKILL, the OOM killer), it cannot: its worker would live on, orphaned,
serving the port with the database open, and a new `clientbook serve` would share the
port with it. So each worker checks once a second that its parent is still the process
that started it, and when it is not, stops as on SIGTERM: the requests in flight are
answered, then the worker exits.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

CHECK_SECONDS = 1.0
log = logging.getLogger("clientbook")


def watching_parent(*, every: float = CHECK_SECONDS) -> asyncio.Task[None]:
    """A task that stops this process (SIGTERM) once the process that started it is gone;
    the app's lifespan runs it while serving."""
    return asyncio.create_task(_watch(os.getppid(), every))


async def _watch(parent: int, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        if os.getppid() != parent:
            log.warning("the server process %d is gone: this worker stops", parent)
            os.kill(os.getpid(), signal.SIGTERM)
            return
