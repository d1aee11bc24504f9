"""The route table: every operation declared once, with what serves it and what documents
it (api/openapi.py builds the OpenAPI document from the same declarations).

A route is an async handler of a `Call` (api/edge.py) that returns an `Answer`. The table
matches a request's path and method with Starlette's path compiler; the edge (api/edge.py)
applies the contract's order of checks around every handler.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.convertors import StringConvertor
from starlette.routing import compile_path

if TYPE_CHECKING:
    from clientbook.api.edge import Answer, Call

Handler = Callable[["Call"], Awaitable["Answer"]]


@dataclass(frozen=True, slots=True)
class Route:
    """One operation: method, path template, handler and its documentation."""

    method: str
    path: str
    handler: Handler
    status: int = 200
    # The body the edge reads before the handler: "none" (a body is not read), "json"
    # (read; parsed by the handler's `call.json()`, after authentication), or "ignored"
    # (read and dropped, yet still refused past the size limit).
    body: str = "none"
    doc: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    documented: bool = True
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)
    convertors: dict[str, Any] = field(init=False, repr=False, compare=False)
    plain: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex, _format, convertors = compile_path(self.path)
        object.__setattr__(self, "regex", regex)
        object.__setattr__(self, "convertors", convertors)
        # Text parameters only (the usual case): the match's groups are the parameters.
        plain = all(type(c) is StringConvertor for c in convertors.values())
        object.__setattr__(self, "plain", plain)

    @property
    def name(self) -> str:
        return self.handler.__name__

    def match(self, path: str) -> dict[str, str] | None:
        """The path parameters when the path matches the template, else None."""
        found = self.regex.match(path)
        if found is None:
            return None
        if self.plain:
            return found.groupdict()
        return {
            name: self.convertors[name].convert(value) for name, value in found.groupdict().items()
        }


class RouteTable:
    """The routes of the app, in declaration order (the first that matches serves)."""

    def __init__(self, *, prefix: str = "", tags: tuple[str, ...] = ()) -> None:
        self.prefix = prefix
        self.tags = tags
        self.routes: list[Route] = []
        # Built on first use: a path without parameters is found by one dict look-up, the
        # others among the routes of the request's method only.
        self._static: dict[tuple[str, str], Route] | None = None
        self._dynamic: dict[str, list[Route]] = {}

    def route(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        body: str = "none",
        doc: dict[str, Any] | None = None,
        documented: bool = True,
    ) -> Callable[[Handler], Handler]:
        """Declare the decorated handler as the operation `method path`."""

        def declare(handler: Handler) -> Handler:
            self.routes.append(
                Route(
                    method=method,
                    path=self.prefix + path,
                    handler=handler,
                    status=status,
                    body=body,
                    doc=doc or {},
                    tags=self.tags,
                    documented=documented,
                )
            )
            return handler

        return declare

    def add(self, *tables: RouteTable) -> None:
        for table in tables:
            self.routes.extend(table.routes)
        self._static = None

    def _index(self) -> dict[tuple[str, str], Route]:
        static: dict[tuple[str, str], Route] = {}
        self._dynamic = {}
        for route in self.routes:
            if route.convertors:
                self._dynamic.setdefault(route.method, []).append(route)
            else:
                static.setdefault((route.method, route.path), route)
        self._static = static
        return static

    def resolve(self, method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
        """The route serving `method path` and its path parameters; when none does, the
        methods that other routes serve on this path (a 405 when there are any).

        A route without parameters is preferred to one with (PUT /clients/bulk is not the
        client "bulk"); among those with parameters, the first declared wins."""
        static = self._static if self._static is not None else self._index()
        lookup = "GET" if method == "HEAD" else method
        route = static.get((lookup, path))
        if route is not None:
            return route, {}, []
        for route in self._dynamic.get(lookup, ()):
            params = route.match(path)
            if params is not None:
                return route, params, []
        allowed = [route.method for route in self.routes if route.match(path) is not None]
        return None, {}, allowed

    def template(self, path: str) -> str | None:
        """The template of the first route whose path matches (for a 405's label)."""
        for route in self.routes:
            if route.match(path) is not None:
                return route.path
        return None
