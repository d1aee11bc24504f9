"""SQLite's hot writers share commits (store/group_commit.py): the writes that arrive
together pay one fsync, yet each is answered only once it is on disk, a failed one changes
nothing, and a failed COMMIT fails every write it held."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from clientbook.store.database import _sqlite_writer
from clientbook.store.group_commit import MAX_UNITS, GroupCommit


@pytest.fixture
def path(tmp_path: Path) -> Path:
    file = tmp_path / "group.db"
    db = sqlite3.connect(file, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    db.execute(
        "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER"
        " REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
    )
    db.close()
    return file


@pytest.fixture
def writer(path: Path) -> Iterator[sqlite3.Connection]:
    """The hot path's own writer connection (synchronous=FULL, foreign keys, no busy
    wait, the statement journal in memory)."""
    db = _sqlite_writer(str(path))
    yield db
    db.close()


def stored(path: Path) -> list[int]:
    """What another connection sees: what was committed."""
    db = sqlite3.connect(path)
    try:
        return [row[0] for row in db.execute("SELECT id FROM parent ORDER BY id")]
    finally:
        db.close()


def commits_of(db: sqlite3.Connection) -> list[str]:
    seen: list[str] = []
    db.set_trace_callback(lambda sql: seen.append(sql) if sql == "COMMIT" else None)
    return seen


async def insert(group: GroupCommit, path: Path, row: int, *, fail: bool = False) -> list[int]:
    """Write one row in a unit; return what another connection sees once it is answered."""
    async with group.unit() as db:
        db.execute("INSERT INTO parent (id) VALUES (?)", (row,))
        if fail:
            raise ValueError(row)
    return stored(path)


def test_writes_arriving_together_share_one_commit_and_each_is_answered_after_it(
    path: Path, writer: sqlite3.Connection
) -> None:
    commits = commits_of(writer)

    async def main() -> list[list[int]]:
        group = GroupCommit(writer, writer_lock=threading.RLock())
        return await asyncio.gather(*(insert(group, path, row) for row in range(1, 11)))

    seen = asyncio.run(main())
    assert commits == ["COMMIT"]
    # Each unit, once answered, finds its own row (all ten) committed.
    assert all(rows == list(range(1, 11)) for rows in seen)


def test_a_failed_write_changes_nothing_and_the_others_in_its_commit_are_kept(
    path: Path, writer: sqlite3.Connection
) -> None:
    async def main() -> list[list[int] | BaseException]:
        group = GroupCommit(writer, writer_lock=threading.RLock())
        units = (insert(group, path, row, fail=row == 3) for row in range(1, 6))
        return await asyncio.gather(*units, return_exceptions=True)

    outcomes = asyncio.run(main())
    assert isinstance(outcomes[2], ValueError)
    assert stored(path) == [1, 2, 4, 5]
    assert [o for i, o in enumerate(outcomes) if i != 2] == [[1, 2, 4, 5]] * 4


def test_a_failed_write_larger_than_a_spilled_journal_changes_nothing(
    path: Path, writer: sqlite3.Connection
) -> None:
    """The savepoint journal stays in memory past the 64 KiB at which SQLite would spill
    it to a file: a failed unit that rewrote many pages is still undone whole."""
    many = list(range(100, 30_100))

    async def fill(group: GroupCommit) -> None:
        async with group.unit() as db:
            db.executemany("INSERT INTO parent (id) VALUES (?)", ((n,) for n in many))

    async def wipe(group: GroupCommit) -> None:
        async with group.unit() as db:
            db.execute("DELETE FROM parent")  # every page of the table, journaled
            raise ValueError("wipe")

    async def main() -> tuple[object, object, object]:
        group = GroupCommit(writer, writer_lock=threading.RLock())
        await fill(group)
        return await asyncio.gather(
            insert(group, path, 1), wipe(group), insert(group, path, 2), return_exceptions=True
        )

    outcomes = asyncio.run(main())
    assert isinstance(outcomes[1], ValueError)
    assert stored(path) == [1, 2, *many]


def test_a_failed_commit_fails_every_write_it_held_and_keeps_none(
    path: Path, writer: sqlite3.Connection
) -> None:
    async def orphan(group: GroupCommit) -> None:
        # Valid until COMMIT, where the deferred foreign key is checked and fails.
        async with group.unit() as db:
            db.execute("INSERT INTO child (id, parent_id) VALUES (1, 999)")

    async def main() -> list[object]:
        group = GroupCommit(writer, writer_lock=threading.RLock())
        units = [insert(group, path, 1), orphan(group), insert(group, path, 2)]
        outcomes: list[object] = list(await asyncio.gather(*units, return_exceptions=True))
        # The writer is free again: the next write gets a transaction of its own.
        outcomes.append(await insert(group, path, 3))
        return outcomes

    outcomes = asyncio.run(main())
    assert all(isinstance(o, sqlite3.IntegrityError) for o in outcomes[:3]), outcomes
    assert outcomes[3] == [3]


def test_a_write_that_waits_mid_way_keeps_the_commit_open_for_itself(
    path: Path, writer: sqlite3.Connection
) -> None:
    """A unit may await (the rate limiter on Redis does): the commit the writes before it
    scheduled waits for it, and nothing half-done is committed."""
    commits = commits_of(writer)

    async def slow(group: GroupCommit) -> list[int]:
        async with group.unit() as db:
            db.execute("INSERT INTO parent (id) VALUES (2)")
            await asyncio.sleep(0.05)
            db.execute("INSERT INTO parent (id) VALUES (3)")
        return stored(path)

    async def main() -> tuple[list[int], list[int], list[int]]:
        group = GroupCommit(writer, writer_lock=threading.RLock())
        return await asyncio.gather(insert(group, path, 1), slow(group), insert(group, path, 4))

    first, second, third = asyncio.run(main())
    assert first in ([1, 2, 3], [1, 2, 3, 4])
    assert second in ([1, 2, 3], [1, 2, 3, 4])
    assert third == [1, 2, 3, 4]
    assert len(commits) in (1, 2)


def test_a_full_group_commits_without_waiting_for_the_loop(
    path: Path, writer: sqlite3.Connection
) -> None:
    commits = commits_of(writer)

    async def main() -> None:
        group = GroupCommit(writer, writer_lock=threading.RLock())
        await asyncio.gather(*(insert(group, path, row) for row in range(1, 2 * MAX_UNITS + 1)))

    asyncio.run(main())
    assert commits == ["COMMIT", "COMMIT"]
    assert len(stored(path)) == 2 * MAX_UNITS


def test_a_cancelled_writer_does_not_hold_up_the_others(
    path: Path, writer: sqlite3.Connection
) -> None:
    async def main() -> list[int]:
        group = GroupCommit(writer, writer_lock=threading.RLock())
        first = asyncio.ensure_future(insert(group, path, 1))
        second = asyncio.ensure_future(insert(group, path, 2))
        await asyncio.sleep(0)  # both ran their unit and wait for the commit
        first.cancel()
        return await second

    # The cancelled request goes unanswered; its write, done before, was committed too.
    assert asyncio.run(main()) == [1, 2]


def test_the_writer_lock_is_held_from_the_first_write_to_the_commit(
    path: Path, writer: sqlite3.Connection
) -> None:
    """Other writers of the process (SQLAlchemy's, in threads) wait for the group."""
    lock = threading.RLock()
    held: list[bool] = []

    def try_lock() -> bool:
        got = lock.acquire(blocking=False)
        if got:
            lock.release()
        return got

    async def main() -> None:
        group = GroupCommit(writer, writer_lock=lock)
        async with group.unit() as db:
            db.execute("INSERT INTO parent (id) VALUES (1)")
            held.append(await asyncio.to_thread(try_lock))
        held.append(await asyncio.to_thread(try_lock))

    asyncio.run(main())
    assert held == [False, True]
