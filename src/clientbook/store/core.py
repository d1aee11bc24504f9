"""SQLAlchemy Core statements, compiled once per dialect and run by the raw drivers.

SQLAlchemy describes the schema (store/tables.py, Alembic) and builds the statements
that are not hand-written (store/direct_sql.py); it does not run them. A statement is
compiled for the backend's dialect once (kept per statement object: the store's
statements are built once, per shape, and reused), and each run only binds its
parameters with SQLAlchemy's own type processors (a `Uid`'s NUL, SQLite's datetimes,
JSON) and decodes its rows the same way. The driver call itself is the backend's
(store/database.py): sqlite3 on the event loop, asyncpg on its pool.

Running a statement this way costs a few microseconds of Python above the driver;
SQLAlchemy's own async engine costs a greenlet switch, its result machinery and (for
SQLite) a thread per connection (docs/performance.md, "Why the store runs Core
statements on the raw drivers").
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql.compiler import SQLCompiler

SQLITE_DIALECT: Dialect = sqlite.pysqlite.dialect()
POSTGRES_DIALECT: Dialect = postgresql.asyncpg.dialect()  # type: ignore[no-untyped-call]
_CACHE_LIMIT = 2048

Processor = Callable[[Any], Any]


class Row(tuple[Any, ...]):
    """A result row: by position, and by name as an attribute (`row.uid`, `row._asdict()`)."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def _asdict(self) -> dict[str, Any]:
        return dict(zip(self._fields, self, strict=True))


@dataclass(frozen=True, slots=True)
class Result:
    """A statement's rows, fetched whole, and how many rows it changed."""

    rows: list[Any]
    rowcount: int

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def first(self) -> Any:
        return self.rows[0] if self.rows else None

    def all(self) -> list[Any]:
        return self.rows

    def fetchall(self) -> list[Any]:
        return self.rows

    def scalars(self) -> list[Any]:
        return [row[0] for row in self.rows]


@dataclass(frozen=True, slots=True)
class Compiled:
    """A statement compiled for one dialect, and how its rows are decoded."""

    compiled: SQLCompiler
    bind_processors: dict[str, Processor]
    row_type: type[Row] | None  # None: the statement returns no rows
    result_processors: tuple[Processor | None, ...]

    @property
    def returns_rows(self) -> bool:
        return self.row_type is not None

    def bind(self, params: dict[str, Any] | None) -> tuple[str, list[Any]]:
        """The SQL text (positional placeholders) and its arguments for these parameters
        (expanding IN lists included)."""
        state = self.compiled.construct_expanded_state(params or {}, escape_names=False)
        processors = self.bind_processors
        if state.processors:
            processors = {**processors, **state.processors}
        names = state.positiontup or ()
        values = state.positional_parameters
        args = [
            value if (process := processors.get(name)) is None else process(value)
            for name, value in zip(names, values, strict=True)
        ]
        return state.statement, args

    def bind_many(self, rows: Sequence[dict[str, Any]]) -> tuple[str, list[list[Any]]]:
        """`bind` for each parameter set: the SQL text (one for all: no expanding IN) and
        each set's arguments."""
        bound = [self.bind(row) for row in rows]
        return (bound[0][0] if bound else ""), [args for _, args in bound]

    def rows(self, raw: Sequence[Sequence[Any]]) -> list[Any]:
        row_type = self.row_type
        assert row_type is not None
        processors = self.result_processors
        if not any(processors):
            return [row_type(row) for row in raw]
        return [
            row_type(
                value if process is None or value is None else process(value)
                for process, value in zip(processors, row, strict=True)
            )
            for row in raw
        ]


_compiled: dict[tuple[int, sa.Executable], Compiled] = {}
_guard = threading.Lock()


def compiled(statement: sa.Executable, dialect: Dialect) -> Compiled:
    """The statement compiled for the dialect: made once per statement object."""
    key = (id(dialect), statement)
    found = _compiled.get(key)
    if found is not None:
        return found
    made = _compile(statement, dialect)
    with _guard:
        if len(_compiled) >= _CACHE_LIMIT:  # statements built per call: forget them all
            _compiled.clear()
        _compiled[key] = made
    return made


def _compile(statement: sa.Executable, dialect: Dialect) -> Compiled:
    assert isinstance(statement, sa.ClauseElement)
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    json_codec = dialect.name == "postgresql"  # asyncpg's JSON codec encodes (database.py)
    bind_processors: dict[str, Processor] = {}
    for name, process in compiled._bind_processors.items():
        bind = compiled.binds.get(name)
        if json_codec and bind is not None and isinstance(bind.type, sa.JSON):
            continue
        assert callable(process)
        bind_processors[name] = process
    columns = compiled._result_columns
    if not columns:
        return Compiled(compiled, bind_processors, None, ())
    names = tuple(entry.keyname for entry in columns)
    by_name: dict[str, Any] = {name: property(itemgetter(at)) for at, name in enumerate(names)}
    row_type = type("Row", (Row,), {"__slots__": (), "_fields": names, **by_name})
    result_processors = tuple(
        None if json_codec and isinstance(entry.type, sa.JSON)
        else entry.type._cached_result_processor(dialect, None)
        for entry in columns
    )  # fmt: skip
    return Compiled(compiled, bind_processors, row_type, result_processors)


__all__ = ["POSTGRES_DIALECT", "SQLITE_DIALECT", "Compiled", "Dialect", "Result", "Row", "compiled"]
