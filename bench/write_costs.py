"""Where a SQLite POST and PUT spend their time: `python -m bench.write_costs`.

In process (the app called as ASGI, no HTTP, no server), on the big business of the same
seeded data set as `make bench`: batches of `--concurrency` requests at once (wrk's 16
connections give about 6 writes a commit), so the writes share their commits as under
load. Each request's wall and CPU time is split into its SQL writes (the INSERTs of a
POST, the UPDATE of a PUT), its share of the COMMIT (the WAL's fsync, and the checkpoint
every thousand pages) and the rest (HTTP edge, token, validation, the rows and the
response), by timing the store's write and commit calls. SQLite only: on PostgreSQL the
commit and the page writes run in other processes.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson

from bench import seed
from clientbook.app import create_app
from clientbook.config import Settings
from clientbook.store import database, group_commit

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]
App = Callable[[Any, Any, Any], Awaitable[None]]  # any ASGI app


class Clock:
    """Wall and CPU seconds spent in the store's writes and commits."""

    def __init__(self) -> None:
        self.totals = dict.fromkeys(("write", "write_cpu", "commit", "commit_cpu"), 0.0)
        self.commits = 0

    def install(self) -> None:
        write, commit = database.SqliteTransaction._write, group_commit.GroupCommit._commit
        totals = self.totals

        async def timed_write(tx: Any, statement: Any, values: dict[str, Any]) -> None:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                await write(tx, statement, values)
            finally:
                totals["write"] += time.perf_counter() - wall
                totals["write_cpu"] += time.process_time() - cpu

        def timed_commit(group: Any) -> None:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                commit(group)
            finally:
                totals["commit"] += time.perf_counter() - wall
                totals["commit_cpu"] += time.process_time() - cpu
                self.commits += 1

        # Patched for this process only: the timing wraps the real calls.
        setattr(database.SqliteTransaction, "_write", timed_write)  # noqa: B010
        setattr(group_commit.GroupCommit, "_commit", timed_commit)  # noqa: B010

    def reset(self) -> None:
        self.totals.update(dict.fromkeys(self.totals, 0.0))
        self.commits = 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="clientbook-bench-") as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        seeded = seed.seed(
            url, big_clients=args.clients, small_businesses=200, small_clients=50,
            sample_size=args.sample,
        )  # fmt: skip
        clock = Clock()
        clock.install()
        app = create_app(Settings(database_url=url, rate_limit=0))
        ids = [row["id"] for row in seeded.sample]
        results = asyncio.run(_run(app, seeded.big.token, ids, args, clock))
    document = {"settings": vars(args), "results": results}
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(document, indent=1) + "\n")
    print(table(results))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.write_costs", description=__doc__)
    parser.add_argument("--clients", type=int, default=1_000_000,
                        help="clients of the big business (default 1,000,000)")  # fmt: skip
    parser.add_argument("--sample", type=int, default=10_000, help="clients PUT may change")
    parser.add_argument("--concurrency", type=int, default=6, help="requests a batch")
    parser.add_argument("--batches", type=int, default=100, help="batches a round")
    parser.add_argument("--rounds", type=int, default=4, help="alternating PUT/POST rounds")
    parser.add_argument("--json-out", default="bench/results/write-costs.json")
    return parser


async def _run(
    app: App, token: str, ids: list[str], args: argparse.Namespace, clock: Clock
) -> dict[str, list[dict[str, float]]]:
    counter = itertools.count()
    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def one(method: str) -> None:
        n = next(counter)
        if method == "POST":
            path = "/platform/v1/clients"
            body: dict[str, Any] = {
                "first_name": "New", "last_name": f"Client {n}",
                "email": f"new.{n}.{time.time_ns()}@bench.example",
                "phone": f"+1 646 555 {n % 10_000:04d}", "tags": "bench", "source_name": "bench",
            }  # fmt: skip
        else:
            path = f"/platform/v1/clients/{ids[n % len(ids)]}"
            body = {"last_name": f"Lovelace {n}", "address": f"{n} Main St"}
        raw = orjson.dumps(body)
        await app(_scope(method, path, token, len(raw)), _receiver(raw), send)

    results: dict[str, list[dict[str, float]]] = {"PUT": [], "POST": []}
    async with _lifespan(app):
        for _ in range(args.rounds):
            for method in ("PUT", "POST"):
                statuses.clear()
                clock.reset()
                wall, cpu = time.perf_counter(), time.process_time()
                for _ in range(args.batches):
                    await asyncio.gather(*(one(method) for _ in range(args.concurrency)))
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                assert set(statuses) == {201 if method == "POST" else 200}, set(statuses)
                results[method].append(_per_request(len(statuses), wall, cpu, clock))
                print(method, results[method][-1], flush=True)
    return results


@asynccontextmanager
async def _lifespan(app: App) -> AsyncIterator[None]:
    """The app's ASGI lifespan: startup before the block, shutdown after it."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}

    async def serve() -> None:
        await app(scope, inbox.get, outbox.put)

    task = asyncio.create_task(serve())
    await inbox.put({"type": "lifespan.startup"})
    started = await outbox.get()
    if started["type"] != "lifespan.startup.complete":
        raise SystemExit(f"the app did not start: {started}")
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await task


def _per_request(count: int, wall: float, cpu: float, clock: Clock) -> dict[str, float]:
    t = clock.totals
    us = 1e6 / count
    return {
        "wall_us": round(wall * us),
        "cpu_us": round(cpu * us),
        "writes_us": round(t["write"] * us),
        "commit_us": round(t["commit"] * us),
        "rest_us": round((wall - t["write"] - t["commit"]) * us),
        "commit_cpu_us": round(t["commit_cpu"] * us),
        "per_commit": round(count / max(clock.commits, 1), 1),
    }


def _scope(method: str, path: str, token: str, length: int) -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "path": path, "raw_path": path.encode(), "root_path": "", "scheme": "http",
        "query_string": b"", "server": ("127.0.0.1", 8080), "client": ("127.0.0.1", 5555),
        "headers": [
            (b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"), (b"content-length", str(length).encode()),
        ],
    }  # fmt: skip


def _receiver(raw: bytes) -> Callable[[], Awaitable[dict[str, Any]]]:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": raw, "more_body": False}

    return receive


def table(results: dict[str, list[dict[str, float]]]) -> str:
    """Medians over the rounds, in microseconds a request."""
    keys = ("wall_us", "cpu_us", "writes_us", "commit_us", "rest_us", "per_commit")
    lines = ["| request | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    for method, rounds in results.items():
        cells = [statistics.median(r[k] for r in rounds) for k in keys]
        lines.append(f"| {method} | " + " | ".join(f"{c:g}" for c in cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
