"""SQLite's hot writers share their commits (group commit), and each is answered only
once its own write is on disk.

A commit's fsync (synchronous=FULL) is most of a write's time on SQLite, and it blocks
the event loop. The writes of one loop therefore join an open transaction, each in its
own savepoint, and the transaction commits once per loop iteration: the PUTs and POSTs
that arrived together pay one fsync. What each request sees is unchanged:

- its answer waits for the COMMIT that holds its write (an acknowledged write is
  durable, as before);
- a unit that fails (404, 409, 422, an error) rolls back to its savepoint: it changes
  nothing, and the others' writes stay;
- a COMMIT that fails fails every unit in it (the transaction is rolled back whole):
  no one is told a write succeeded that was not kept;
- units run one at a time, in arrival order, each seeing the writes before it: the
  same serial order as one transaction each.

The transaction holds the in-process writer lock of the file (shared with the synchronous
writers of tests and tools, store/uow.py)
and SQLite's write lock (BEGIN IMMEDIATE) from its first unit to its COMMIT: at most one
loop iteration, and at most MAX_UNITS units.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from clientbook.store.engine import SQLITE_BUSY_TIMEOUT_MS

# Units in one transaction at most: bounds how long the first unit waits for its answer.
MAX_UNITS = 32


class GroupLost(sqlite3.OperationalError):
    """SQLite ended the shared transaction itself (an I/O error, a full disk): the
    writes of the units before were lost with it, so none of them succeeded."""


class _Group:
    """One open transaction: the futures of the units waiting for its COMMIT."""

    __slots__ = ("waiting",)

    def __init__(self) -> None:
        self.waiting: list[asyncio.Future[None]] = []

    def settle(self, error: BaseException | None) -> None:
        for future in self.waiting:
            if not future.done():
                if error is None:
                    future.set_result(None)
                else:
                    future.set_exception(error)


class GroupCommit:
    """The writer connection of one event loop, and the transaction its units share."""

    def __init__(self, db: sqlite3.Connection, *, writer_lock: threading.RLock) -> None:
        self.db = db
        self.writer_lock = writer_lock
        self.turn = asyncio.Lock()  # one unit at a time, first come first served
        self.group: _Group | None = None
        self.commit_scheduled = False

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[sqlite3.Connection]:
        """One write: a savepoint in the shared transaction. On a normal exit, returns
        once the transaction holding it is committed (or raises why it was not)."""
        async with self.turn:
            group = self.group or await self._open()
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            try:
                self.db.execute("SAVEPOINT unit")
                try:
                    yield self.db
                except BaseException:
                    self._undo()
                    raise
                self.db.execute("RELEASE unit")
                if not self.db.in_transaction:
                    raise GroupLost("the transaction ended before its commit")
                group.waiting.append(done)  # last: a unit that failed waits for nothing
            except BaseException as error:
                if not self.db.in_transaction:  # SQLite ended it: the others' writes too
                    self._close(error)
                raise
            finally:
                self._after_unit()
        await done

    async def _open(self) -> _Group:
        """Take the in-process lock, then SQLite's write lock, without blocking the loop."""
        await _acquire_polling(self.writer_lock)
        try:
            await _begin_immediate(self.db)
        except BaseException:
            self.writer_lock.release()
            raise
        self.group = _Group()
        return self.group

    def _undo(self) -> None:
        """Roll the failed unit back to its savepoint (the transaction stays for the
        others); when SQLite ended the transaction itself, the group is lost."""
        if not self.db.in_transaction:
            return  # unit() closes the group
        try:
            self.db.execute("ROLLBACK TO unit")
            self.db.execute("RELEASE unit")
        except sqlite3.Error as error:
            with suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            self._close(GroupLost(str(error)))

    def _after_unit(self) -> None:
        """Commit now when the group is full; otherwise once the units that arrived
        with this one (this loop iteration's ready tasks) have joined."""
        group = self.group
        if group is None:
            return
        if len(group.waiting) >= MAX_UNITS:
            self._commit()
        elif not self.commit_scheduled:
            self.commit_scheduled = True
            asyncio.get_running_loop().call_soon(self._commit_when_free)

    def _commit_when_free(self) -> None:
        self.commit_scheduled = False
        if self.group is not None and not self.turn.locked():
            self._commit()
        # A unit holds the turn (it awaits mid-way): it schedules the commit when done.

    def _commit(self) -> None:
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as error:
            with suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            self._close(error)
        else:
            self._close(None)

    def _close(self, error: BaseException | None) -> None:
        """End the group: answer its units, let the next writer in."""
        group, self.group = self.group, None
        if group is None:
            return
        self.writer_lock.release()
        group.settle(error)


async def _acquire_polling(lock: threading.RLock) -> None:
    """Take a lock other threads may hold (another event loop's writer, a synchronous
    writer) without blocking the loop."""
    delay = 0.0002
    while not lock.acquire(blocking=False):
        await asyncio.sleep(delay)
        # At most 5 ms: with 2 workers, PUT p99 46 ms (50 ms steps, like SQLite's own
        # busy handler: 378 ms); a write holds the lock for well under a millisecond.
        delay = min(delay * 2, 0.005)


async def _begin_immediate(db: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, waiting (asynchronously) while another process writes."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.0005
    while True:
        try:
            db.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.005)
