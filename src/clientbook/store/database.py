"""The store: the one async data-access layer of every route, the CLI and the CSV import,
on the raw drivers (sqlite3 on the event loop, asyncpg on its pool).

A use case runs in a unit it opens: `reading()` (single-statement reads), `snapshot()`
(several reads that must agree: one read transaction) or `writing()` (committed when
the unit ends normally, rolled back otherwise). Inside, `Transaction.execute` runs any
SQLAlchemy Core statement (compiled once, store/core.py); the statements of POST, GET
one and PUT are hand-written (store/direct_sql.py), one statement each that both
authorises the token and reads or writes. Tenant scoping: every statement names the
business in its WHERE clause, from `Access` (the verified token) or a `business_uid`
keyword; nothing else chooses a business.

SQLite: reads run on one connection, each a single autocommit statement (fetched whole,
so no read transaction stays open) or, for a snapshot, one read transaction; writes run
on one writer connection, one unit at a time, each in a savepoint of a transaction that
the writes arriving together share, committed once for all of them
(store/group_commit.py; WAL, synchronous=FULL: a unit returns once its commit is on
disk). The transaction takes this process's writer lock for the file, then BEGIN
IMMEDIATE, retried with asyncio.sleep while another process writes, so the event loop
never waits on SQLite's busy handler.

PostgreSQL: an asyncpg pool. A PUT writes only while its row is the version it read, or
locks it (FOR UPDATE), so no update is lost. A connection the server closed (a restart)
is found at a unit's first statement and reported as StaleConnection, so the edge can
run the request again (api/edge.py) on fresh connections.
"""

from __future__ import annotations

import abc
import asyncio
import dataclasses
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar
from urllib.request import pathname2url

import asyncpg  # type: ignore[import-untyped,import-not-found,unused-ignore]
import orjson
import sqlalchemy as sa

from clientbook.domain import representations
from clientbook.domain.model import Client, ClientView, Matter, SourceRecord
from clientbook.store import core
from clientbook.store import direct_sql as sql
from clientbook.store.clients import EmailTaken
from clientbook.store.engine import driver_url
from clientbook.store.group_commit import GroupCommit
from clientbook.store.principals import Business, TokenRecord

_SQLITE_FLAGS = ("opt_in", "opt_in_transactional_sms", "spam")
_MOMENTS = ("created_at", "updated_at", "deleted_at")
T = TypeVar("T")
# What asyncpg raises on a connection the server closed.
_DEAD = (asyncpg.PostgresConnectionError, asyncpg.exceptions.OperatorInterventionError,
         asyncpg.InterfaceError, asyncpg.exceptions.InternalClientError,
         ConnectionError)  # fmt: skip
APPLICATION_NAME = "clientbook-hot-path"  # in pg_stat_activity
# Rows are read by position: the client's columns first (in Client's field order), then
# what each statement adds (direct_sql.py).
_N = len(sql.CLIENT_COLUMNS)
_TAGS = sql.CLIENT_COLUMNS.index("tags")
_SQLITE_FLAG_AT = tuple(sql.CLIENT_COLUMNS.index(name) for name in _SQLITE_FLAGS)
_MOMENT_AT = tuple(sql.CLIENT_COLUMNS.index(name) for name in _MOMENTS)
assert tuple(f.name for f in dataclasses.fields(Client)) == sql.CLIENT_COLUMNS


@dataclass(frozen=True, slots=True)
class Access:
    """A verified token and the business it asks to act on."""

    token: TokenRecord
    business_uid: str | None
    on_behalf_of: str | None = None  # the header as sent (for the 401's message)

    def params(self) -> dict[str, Any]:
        return {
            "jti": self.token.jti,
            "kind": self.token.kind,
            "subject": self.token.subject_uid,
            "token_business": self.token.business_uid,
            "token_directory": self.token.directory_uid,
            "business": _uid(self.business_uid),
        }


# A representation ready for orjson.dumps: built in Python, or JSON the database wrote.
Representation = dict[str, Any] | orjson.Fragment


@dataclass(frozen=True, slots=True)
class NewRows:
    """What a POST writes: the client's columns, its source record, matter and token."""

    client: dict[str, Any]
    source: dict[str, Any]
    matter: dict[str, Any]
    token: dict[str, Any]


class Transaction(Protocol):
    """What the use cases ask of the database, in one unit of work."""

    async def alive(self, access: Access) -> bool: ...
    async def business(self, access: Access) -> Business | None: ...
    async def single(self, access: Access, client_id: str) -> Representation | None: ...
    async def locked(self, access: Access, client_id: str) -> tuple[Client, Business] | None: ...
    async def staff_exists(self, business_uid: str, staff_id: str) -> bool: ...
    async def email_taken(self, business_uid: str, email: str, except_id: str) -> bool: ...
    async def update(self, business_uid: str, client_id: str, changes: dict[str, Any]) -> None: ...
    async def create(self, new: NewRows) -> None: ...
    async def execute(
        self, statement: sa.Executable, params: dict[str, Any] | None = None
    ) -> core.Result: ...
    async def executemany(
        self, statement: sa.Executable, rows: Sequence[dict[str, Any]]
    ) -> None: ...
    def savepoint(self) -> AbstractAsyncContextManager[None]: ...
    @property
    def dialect_name(self) -> str: ...


class RowChanged(Exception):
    """An optimistic PUT found its row written since it read it: it wrote nothing."""


class StaleConnection(Exception):
    """The server had closed the connection a unit was given, and the unit did nothing
    yet: after `refresh`, the unit can run again."""


class DirectStore(Protocol):
    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def refresh(self) -> None: ...
    def reading(self) -> AbstractAsyncContextManager[Transaction]:
        """A unit of single-statement reads (each its own snapshot)."""
        ...

    def probing(self) -> AbstractAsyncContextManager[Transaction]:
        """A read unit that proves the database answers now (readiness): on SQLite a new
        connection to the file as it is (an open one still reads a file removed since)."""
        ...

    def snapshot(self) -> AbstractAsyncContextManager[Transaction]:
        """A unit of several reads that must agree (a list page and its children): one
        read transaction."""
        ...

    def writing(self) -> AbstractAsyncContextManager[Transaction]:
        """A unit of writes: committed when it ends normally, rolled back otherwise."""
        ...

    def updating(self, *, last_try: bool) -> AbstractAsyncContextManager[Transaction]:
        """PUT's unit. On PostgreSQL `locked` reads the row unlocked with its version and
        `update` writes only while the row is still that version, else raises
        RowChanged (nothing written: try again); no transaction, two round trips. The
        last try, and every SQLite unit, locks the row in a transaction instead."""
        ...

    def writing_once(self) -> AbstractAsyncContextManager[Transaction]:
        """For a unit whose reads only decide whether to write and whose write is one
        `create`: on PostgreSQL that is one statement, atomic and durable as it ends, so
        no transaction is needed around it (no BEGIN and COMMIT round trips); on SQLite
        the unit takes its writer's turn as ever."""
        ...


_WRITER_LOCKS: dict[str, threading.RLock] = {}
_WRITER_GUARD = threading.Lock()


def _writer_lock(path: str) -> threading.RLock:
    """The lock every writer of this process to one SQLite file takes before BEGIN
    IMMEDIATE (each event loop has its own writer connection: a server has one loop, a
    test process several), so they wait their turn in order rather than polling."""
    with _WRITER_GUARD:
        return _WRITER_LOCKS.setdefault(os.path.realpath(path), threading.RLock())


def open_store(url: str, *, pool_size: int = 10) -> DirectStore:
    """The store for a database URL (connections are made by `start`, on the event loop)."""
    parsed = sa.make_url(driver_url(url))
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        return SqliteStore(path, writer_lock=_writer_lock(path))
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    return PostgresStore(dsn, pool_size=pool_size)


class PerLoop(Generic[T]):
    """A resource made on first use in each event loop (an asyncpg pool and an asyncio
    lock belong to one loop; a server has one loop, a test process may run several)."""

    def __init__(self, make: Callable[[], Coroutine[Any, Any, T]]) -> None:
        self._make = make
        self._ready: dict[asyncio.AbstractEventLoop, T] = {}
        self._making: dict[asyncio.AbstractEventLoop, asyncio.Task[T]] = {}
        self._last_loop: asyncio.AbstractEventLoop | None = None  # the usual case: one loop
        self._last: T | None = None

    async def get(self) -> T:
        loop = asyncio.get_running_loop()
        if loop is self._last_loop:
            return self._last  # type: ignore[return-value]
        ready = self._ready.get(loop)
        if ready is not None:
            self._last_loop, self._last = loop, ready
            return ready
        making = self._making.get(loop)
        if making is None:  # the first caller makes it; callers meanwhile share the task
            making = self._making[loop] = loop.create_task(self._make())
        try:
            made = await making
        finally:
            self._making.pop(loop, None)
        self._ready[loop] = made
        return made

    def pop(self) -> T | None:
        """Forget this loop's resource (the caller closes it)."""
        self._last_loop, self._last = None, None
        return self._ready.pop(asyncio.get_running_loop(), None)


def _uid(value: str | None) -> str | None:
    """As tables.Uid: a NUL (refused by PostgreSQL) matches nothing instead of failing."""
    return value.replace("\x00", "\ufffd") if value is not None else None


def _update_params(business_uid: str, client_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """The parameters of an UPDATE of these columns (`set_<column>`) of one client."""
    unknown = set(changes) - set(sql.CLIENT_COLUMNS)
    assert not unknown, f"not client columns: {unknown}"
    params = {f"set_{name}": value for name, value in changes.items()}
    params.update(business=_uid(business_uid), client_id=_uid(client_id))
    return params


def _business(row: Sequence[Any], start: int) -> Business:
    uid, directory_uid, name, country, opt_in_enabled = row[start : start + 5]
    return Business(uid, directory_uid, name, country, bool(opt_in_enabled))


def _matters(items: list[list[Any]] | None) -> list[Matter]:
    """Matters in creation order (then uid), from [created_at, uid, name, fields] arrays."""
    ordered = sorted(items or (), key=lambda item: (item[0], item[1]))
    return [Matter(uid=uid, display_name=name, fields=fields) for _, uid, name, fields in ordered]


def _source(item: list[Any] | None) -> SourceRecord | None:
    return None if item is None else SourceRecord(*item)


class _Statements(abc.ABC):
    """The Transaction methods over a backend's `_first` / `_write` and row decoding."""

    dialect: sql.Dialect
    core_dialect: core.Dialect

    @property
    def dialect_name(self) -> str:
        return self.dialect.name

    @abc.abstractmethod
    async def execute(
        self, statement: sa.Executable, params: dict[str, Any] | None = None
    ) -> core.Result:
        """Run a SQLAlchemy Core statement (store/core.py); a unique or foreign key
        that refuses a write raises sqlalchemy's IntegrityError, as SQLAlchemy would."""
        ...

    @abc.abstractmethod
    async def executemany(self, statement: sa.Executable, rows: Sequence[dict[str, Any]]) -> None:
        """Run a statement that returns no rows once per parameter set (the driver's
        executemany: one prepared statement); raises IntegrityError as `execute` does."""

    @abc.abstractmethod
    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """A nested unit: what it wrote is undone when it raises; the unit goes on."""
        ...

    @abc.abstractmethod
    async def _first(self, statement: sql.Statement, params: dict[str, Any]) -> Any: ...

    @abc.abstractmethod
    async def _write(self, statement: sql.Statement, values: dict[str, Any]) -> None:
        """Run a write with `_values(params)`; raise EmailTaken when the live-email index
        refuses it."""
        ...

    def _values(self, params: dict[str, Any]) -> dict[str, Any]:
        """Parameters as the driver stores them."""
        return params

    @abc.abstractmethod
    def _client(self, row: Any) -> Client: ...

    @abc.abstractmethod
    def _json(self, value: Any) -> Any: ...

    async def alive(self, access: Access) -> bool:
        row = await self._first(sql.alive(self.dialect, access.token.kind), access.params())
        return bool(row[0])

    async def business(self, access: Access) -> Business | None:
        row = await self._first(sql.business(self.dialect, access.token.kind), access.params())
        return None if row is None else _business(row, 0)

    async def view(self, access: Access, client_id: str) -> ClientView | None:
        params = {**access.params(), "client_id": _uid(client_id)}
        row = await self._first(sql.view(self.dialect, access.token.kind), params)
        if row is None:
            return None
        return ClientView(
            client=self._client(row),
            source=_source(self._json(row[_N])),
            matters=_matters(self._json(row[_N + 1])),
        )

    async def single(self, access: Access, client_id: str) -> Representation | None:
        """The client's single representation (GET one), ready for orjson.dumps; None
        when `view` finds no client."""
        view = await self.view(access, client_id)
        return None if view is None else representations.single(view)

    async def locked(self, access: Access, client_id: str) -> tuple[Client, Business] | None:
        params = {**access.params(), "client_id": _uid(client_id)}
        row = await self._first(sql.locked(self.dialect, access.token.kind), params)
        if row is None:
            return None
        return self._client(row), _business(row, _N)

    async def staff_exists(self, business_uid: str, staff_id: str) -> bool:
        params = {"business": _uid(business_uid), "staff_id": _uid(staff_id)}
        return await self._first(sql.staff_exists(self.dialect), params) is not None

    async def email_taken(self, business_uid: str, email: str, except_id: str) -> bool:
        params = {
            "business": _uid(business_uid),
            "email": email.lower(),
            "client_id": _uid(except_id),
        }
        return await self._first(sql.email_taken(self.dialect), params) is not None

    async def update(self, business_uid: str, client_id: str, changes: dict[str, Any]) -> None:
        params = _update_params(business_uid, client_id, changes)
        await self._write(sql.update(self.dialect, tuple(changes)), self._values(params))

    async def create(self, new: NewRows) -> None:
        """Insert the rows of a new client; raise EmailTaken when its email is taken."""
        params: dict[str, Any] = {}
        for prefix, row in (
            ("client", new.client),
            ("source", new.source),
            ("matter", new.matter),
            ("token", new.token),
        ):
            params.update((f"{prefix}_{name}", value) for name, value in row.items())
        values = self._values(params)
        for statement in sql.create(self.dialect, tuple(new.client)):
            await self._write(statement, values)


# SQLite ------------------------------------------------------------------------------


def _sqlite_connect(path: str, *, busy_timeout_ms: int) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in (
        "journal_mode=WAL",
        "synchronous=FULL",
        f"busy_timeout={busy_timeout_ms}",
        "foreign_keys=ON",
    ):
        db.execute(f"PRAGMA {pragma}")
    return db


def _sqlite_writer(path: str) -> sqlite3.Connection:
    """A process's writer connection. It never waits inside SQLite (GroupCommit retries BEGIN
    IMMEDIATE), and keeps its statement journal in memory: the requests of a shared
    commit each run in a savepoint, whose journal (the pages' content before the
    request) SQLite spills to a temporary file past 64 KiB, about one POST: 40 write
    calls a POST, for a journal that only a failed request reads back, and never after
    a crash (the WAL is the durable record). A commit's journal holds a few hundred KiB
    at most (docs/performance.md, seventh round)."""
    db = _sqlite_connect(path, busy_timeout_ms=0)
    db.execute("PRAGMA temp_store=MEMORY")
    return db


def _sqlite_client(row: Sequence[Any]) -> Client:
    values = list(row[:_N])
    values[_TAGS] = orjson.loads(values[_TAGS])
    for at in _SQLITE_FLAG_AT:
        if values[at] is not None:
            values[at] = bool(values[at])
    for at in _MOMENT_AT:
        if values[at] is not None:
            values[at] = datetime.fromisoformat(values[at])
    return Client(*values)


def _sqlite_value(value: Any) -> Any:
    if value is None or type(value) is str:  # most values: stored as they are
        return value
    if isinstance(value, datetime):  # as SQLAlchemy stores it: 2026-11-26 16:00:00.000000
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, list | dict):
        return orjson.dumps(value).decode()
    return value


class SqliteTransaction(_Statements):
    """Statements on one sqlite3 connection, each fetched whole (so none stays open)."""

    dialect = sql.SQLITE
    core_dialect = core.SQLITE_DIALECT

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._savepoints = 0

    async def execute(
        self, statement: sa.Executable, params: dict[str, Any] | None = None
    ) -> core.Result:
        prepared = core.compiled(statement, self.core_dialect)
        text, args = prepared.bind(params)
        try:
            cursor = self.db.execute(text, args)
        except sqlite3.IntegrityError as error:
            raise sa.exc.IntegrityError(text, args, error) from error
        if not prepared.returns_rows:
            return core.Result([], cursor.rowcount)
        rows = cursor.fetchall()
        return core.Result(prepared.rows(rows), len(rows))

    async def executemany(self, statement: sa.Executable, rows: Sequence[dict[str, Any]]) -> None:
        text, many = core.compiled(statement, self.core_dialect).bind_many(rows)
        if not many:
            return
        try:
            self.db.executemany(text, many)
        except sqlite3.IntegrityError as error:
            raise sa.exc.IntegrityError(text, None, error) from error

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        self._savepoints += 1
        name = f"nested_{self._savepoints}"
        self.db.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            if self.db.in_transaction:
                self.db.execute(f"ROLLBACK TO {name}")
                self.db.execute(f"RELEASE {name}")
            raise
        self.db.execute(f"RELEASE {name}")

    async def _first(self, statement: sql.Statement, params: dict[str, Any]) -> Any:
        rows = self.db.execute(statement.text, params).fetchall()
        return rows[0] if rows else None

    async def _write(self, statement: sql.Statement, values: dict[str, Any] | list[Any]) -> None:
        try:
            self.db.execute(statement.text, values)
        except sqlite3.IntegrityError as error:
            raise EmailTaken from error

    def _values(self, params: dict[str, Any]) -> dict[str, Any]:
        return {name: _sqlite_value(value) for name, value in params.items()}

    async def single(self, access: Access, client_id: str) -> Representation | None:
        """As SQLite writes it (direct_sql.single_json): JSON that orjson.dumps embeds
        as it is."""
        params = {**access.params(), "client_id": _uid(client_id)}
        row = await self._first(sql.single_json(access.token.kind), params)
        return None if row is None else orjson.Fragment(row[0])

    async def create(self, new: NewRows) -> None:
        """The four INSERTs, each bound by position from its own row. A POST writes its
        moment seven times: it is formatted once."""
        moments: dict[datetime, str] = {}
        rows = (new.client, new.source, new.matter, new.token)
        for statement, row in zip(sql.create(self.dialect, tuple(new.client)), rows, strict=True):
            values = []
            for name in statement.names:
                value = row[name]
                if isinstance(value, datetime):
                    values.append(
                        moments.get(value) or moments.setdefault(value, _sqlite_value(value))
                    )
                else:
                    values.append(_sqlite_value(value))
            await self._write(statement, values)

    def _client(self, row: Any) -> Client:
        return _sqlite_client(row)

    def _json(self, value: Any) -> Any:
        return None if value is None else orjson.loads(value)


@dataclass(slots=True)
class _SqliteConnections:
    reader: sqlite3.Connection
    writes: GroupCommit  # the writer connection; its units share commits
    # One read transaction at a time on the reader (a second BEGIN inside one fails).
    snapshots: asyncio.Lock = dataclasses.field(default_factory=asyncio.Lock)


class _SqliteReading:
    """`async with store.reading()`: the reader connection; nothing to end (each read is
    one autocommit statement). A class, as it is on every GET's path."""

    def __init__(self, connections: PerLoop[_SqliteConnections]) -> None:
        self.connections = connections

    async def __aenter__(self) -> Transaction:
        return SqliteTransaction((await self.connections.get()).reader)

    async def __aexit__(self, *_exc: object) -> None:
        return None


class SqliteStore:
    """One reader and one writer connection per event loop (a server process has one)."""

    def __init__(self, path: str, *, writer_lock: threading.RLock) -> None:
        self.path = path
        self.writer_lock = writer_lock
        self._connections = PerLoop(self._connect)

    async def _connect(self) -> _SqliteConnections:
        return _SqliteConnections(
            # A read waits at most this long on a lock (only WAL recovery takes one).
            reader=_sqlite_connect(self.path, busy_timeout_ms=1000),
            # The writer never waits inside SQLite: GroupCommit retries BEGIN IMMEDIATE.
            writes=GroupCommit(_sqlite_writer(self.path), writer_lock=self.writer_lock),
        )

    async def start(self) -> None:
        await self._connections.get()

    async def refresh(self) -> None:
        """Nothing to do: SQLite has no server to close a connection."""

    async def close(self) -> None:
        connections = self._connections.pop()
        if connections is not None:
            connections.reader.close()
            connections.writes.db.close()

    def reading(self) -> AbstractAsyncContextManager[Transaction]:
        return _SqliteReading(self._connections)

    @asynccontextmanager
    async def probing(self) -> AsyncIterator[Transaction]:
        uri = "file:" + pathname2url(os.path.abspath(self.path)) + "?mode=ro"
        db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        try:
            yield SqliteTransaction(db)
        finally:
            db.close()

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Transaction]:
        connections = await self._connections.get()
        async with connections.snapshots:
            db = connections.reader
            db.execute("BEGIN")
            try:
                yield SqliteTransaction(db)
            finally:
                db.execute("COMMIT")  # a read transaction: nothing to keep or undo

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[Transaction]:
        connections = await self._connections.get()
        async with connections.writes.unit() as db:
            yield SqliteTransaction(db)

    def writing_once(self) -> AbstractAsyncContextManager[Transaction]:
        return self.writing()

    def updating(self, *, last_try: bool) -> AbstractAsyncContextManager[Transaction]:
        return self.writing()  # the writer's turn is the lock


# PostgreSQL --------------------------------------------------------------------------


class PostgresTransaction(_Statements):
    """Statements on one asyncpg connection (prepared and cached by asyncpg)."""

    dialect = sql.POSTGRES
    core_dialect = core.POSTGRES_DIALECT

    async def execute(
        self, statement: sa.Executable, params: dict[str, Any] | None = None
    ) -> core.Result:
        prepared = core.compiled(statement, self.core_dialect)
        text, args = prepared.bind(params)
        try:
            with self._first_may_find_it_dead():
                if prepared.returns_rows:
                    rows = await self.conn.fetch(text, *args)
                    return core.Result(prepared.rows(rows), len(rows))
                status: str = await self.conn.execute(text, *args)
        except asyncpg.IntegrityConstraintViolationError as error:
            raise sa.exc.IntegrityError(text, args, error) from error
        count = status.rsplit(" ", 1)[-1]
        return core.Result([], int(count) if count.isdigit() else -1)

    async def executemany(self, statement: sa.Executable, rows: Sequence[dict[str, Any]]) -> None:
        text, many = core.compiled(statement, self.core_dialect).bind_many(rows)
        if not many:
            return
        try:
            with self._first_may_find_it_dead():
                await self.conn.executemany(text, many)
        except asyncpg.IntegrityConstraintViolationError as error:
            raise sa.exc.IntegrityError(text, None, error) from error

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        async with self.conn.transaction():  # nested in the unit's: a SAVEPOINT
            yield

    def __init__(self, conn: Any, *, optimistic: bool = False) -> None:
        self.conn = conn
        self.fresh = True  # no statement has run on the connection yet
        self.optimistic = optimistic
        self.version: str | None = None  # of the row `locked` read, when optimistic

    async def locked(self, access: Access, client_id: str) -> tuple[Client, Business] | None:
        if not self.optimistic:
            return await super().locked(access, client_id)
        params = {**access.params(), "client_id": _uid(client_id)}
        row = await self._first(sql.versioned(access.token.kind), params)
        if row is None:
            return None
        self.version = row[-1]
        return self._client(row), _business(row, _N)

    async def update(self, business_uid: str, client_id: str, changes: dict[str, Any]) -> None:
        if not self.optimistic:
            return await super().update(business_uid, client_id, changes)
        assert self.version is not None, "update() follows locked()"
        params = {**_update_params(business_uid, client_id, changes), "version": self.version}
        statement = sql.update_versioned(tuple(changes))
        try:
            status = await self.conn.execute(statement.text, *statement.positional(params))
        except asyncpg.UniqueViolationError as error:
            raise EmailTaken from error
        if status == "UPDATE 0":
            raise RowChanged

    async def _first(self, statement: sql.Statement, params: dict[str, Any]) -> Any:
        with self._first_may_find_it_dead():
            return await self.conn.fetchrow(statement.text, *statement.positional(params))

    async def _write(self, statement: sql.Statement, values: dict[str, Any]) -> None:
        try:
            with self._first_may_find_it_dead():
                await self.conn.execute(statement.text, *statement.positional(values))
        except asyncpg.UniqueViolationError as error:
            raise EmailTaken from error

    @contextmanager
    def _first_may_find_it_dead(self) -> Iterator[None]:
        """A connection the server closed (a restart, an administrator) shows it at its
        first statement: nothing was done yet, so that is a StaleConnection."""
        try:
            yield
        except _DEAD as error:
            _terminate(self.conn)
            if self.fresh:
                raise StaleConnection from error
            raise
        finally:
            self.fresh = False

    def _client(self, row: Any) -> Client:
        return Client(*row[:_N])

    def _json(self, value: Any) -> Any:
        return value  # decoded by the connection's codec


async def _begun(conn: Any, **options: Any) -> Any:
    """A transaction started on a pooled connection; a connection the server had closed
    (found at BEGIN: nothing done yet) is replaced and reported as StaleConnection."""
    transaction = conn.transaction(**options)
    try:
        await transaction.start()
    except _DEAD as error:
        _terminate(conn)
        raise StaleConnection from error
    return transaction


def _terminate(conn: Any) -> None:
    """Close a broken connection so the pool replaces it instead of lending it again (it
    may be detached from the pool already, when asyncpg saw it close)."""
    with suppress(Exception):
        conn.terminate()


async def _keep_session(_conn: Any) -> None:
    """What a connection needs on its way back to the pool: nothing more than asyncpg's
    own clean-up, which rolls back a transaction left open. Its default reset also runs
    `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` (a round trip
    each time, a third of a GET one's): the store takes no advisory lock, leaves no
    cursor, listens to nothing and sets nothing."""


async def _json_codecs(conn: Any) -> None:
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name,
            encoder=lambda value: orjson.dumps(value).decode(),
            decoder=orjson.loads,
            schema="pg_catalog",
        )


class PostgresStore:
    """An asyncpg pool of up to CLIENTBOOK_POOL_SIZE connections per event loop."""

    def __init__(self, dsn: str, *, pool_size: int) -> None:
        self.dsn = dsn
        self.pool_size = pool_size
        self._pools = PerLoop(self._connect)

    async def _connect(self) -> Any:
        return await asyncpg.create_pool(
            self.dsn,
            min_size=1,
            max_size=self.pool_size,
            init=_json_codecs,
            reset=_keep_session,
            server_settings={"application_name": APPLICATION_NAME},
        )

    async def refresh(self) -> None:
        """Replace the pooled connections (after one was found closed by the server)."""
        await (await self._pools.get()).expire_connections()

    async def start(self) -> None:
        await self._pools.get()

    async def close(self) -> None:
        pool = self._pools.pop()
        if pool is not None:
            await pool.close()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Transaction]:
        # A GET one is a single statement: its own snapshot, no transaction needed.
        async with (await self._pools.get()).acquire() as conn:
            yield PostgresTransaction(conn)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Transaction]:
        async with (await self._pools.get()).acquire() as conn:
            transaction = await _begun(conn, isolation="repeatable_read", readonly=True)
            try:
                yield PostgresTransaction(conn)
            finally:
                with suppress(Exception):
                    await transaction.rollback()  # read only: nothing to keep

    def probing(self) -> AbstractAsyncContextManager[Transaction]:
        return self.reading()

    def writing_once(self) -> AbstractAsyncContextManager[Transaction]:
        # Each statement commits on its own: no BEGIN and COMMIT round trips. Inside a
        # READ COMMITTED transaction the reads would not hold anything more either.
        return self.reading()

    def updating(self, *, last_try: bool) -> AbstractAsyncContextManager[Transaction]:
        return self.writing() if last_try else self._optimistic()

    @asynccontextmanager
    async def _optimistic(self) -> AsyncIterator[Transaction]:
        async with (await self._pools.get()).acquire() as conn:
            yield PostgresTransaction(conn, optimistic=True)

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[Transaction]:
        async with (await self._pools.get()).acquire() as conn:
            transaction = await _begun(conn)
            try:
                yield PostgresTransaction(conn)
            except BaseException:
                # A rollback that fails leaves a broken connection, which the pool drops;
                # the error that ended the unit is the one to raise.
                with suppress(Exception):
                    await transaction.rollback()
                raise
            await transaction.commit()
