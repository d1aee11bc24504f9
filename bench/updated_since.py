"""`search_by=updated_at` after many edits: `python -m bench.updated_since`.

The list endpoint's own query and row decoding (`store.search.list_clients`), in process,
on the big business of the same seeded data set as `make bench`, after growing numbers
of its clients were edited. An edit sets a random client's `updated_at` to now, as a PUT
does; the searched terms are spread over the business's creation range, so about half
the edited clients were created before each term, and those are what this search has to
gather and sort (docs/query-plans.md). On PostgreSQL, `VACUUM ANALYZE clients` follows
each batch of edits (autovacuum's work, done at once so that every run sees the same
state). Times are server-side: the statement and the decoding of its 25 rows, no HTTP;
one untimed search comes first (the statement's compilation, as make bench warms up).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import seed
from bench.run import PG_ADMIN_URL, _loopback, _recreate
from clientbook.store import search
from clientbook.store.database import open_store
from clientbook.store.engine import create_engine, is_sqlite
from clientbook.store.tables import clients
from clientbook.store.uow import transaction

PG_DATABASE = "clientbook_bench_updated_since"
EDIT_BATCH = 5_000


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    edits = sorted({int(n) for n in args.edits.split(",")})
    results: dict[str, Any] = {}
    for backend in args.backends.split(","):
        print(f"== {backend}", flush=True)
        results[backend] = _backend(backend, args, edits)
    document = {
        "when": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "settings": vars(args),
        "results": results,
    }
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(document, indent=1) + "\n")
    print(table(document))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.updated_since", description=__doc__)
    parser.add_argument("--clients", type=int, default=1_000_000,
                        help="clients of the big business (default 1,000,000)")  # fmt: skip
    parser.add_argument("--edits", default="0,10000,100000",
                        help="edited clients in total at each measurement")  # fmt: skip
    parser.add_argument("--terms", type=int, default=10, help="terms per measurement")
    parser.add_argument("--repeat", type=int, default=3, help="searches per term")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--json-out", default="bench/results/updated-since.json")
    return parser


def _backend(backend: str, args: argparse.Namespace, edits: list[int]) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="clientbook-bench-") as tmp:
        if backend == "sqlite":
            return _measure(f"sqlite:///{tmp}/bench.db", args, edits)
        admin = _loopback(args.pg_admin_url)
        _recreate(admin, drop_only=False, name=PG_DATABASE)
        try:
            url = sa.make_url(admin).set(database=PG_DATABASE)
            return _measure(url.render_as_string(hide_password=False), args, edits)
        finally:
            _recreate(admin, drop_only=True, name=PG_DATABASE)


def _measure(url: str, args: argparse.Namespace, edits: list[int]) -> list[dict[str, Any]]:
    seeded = seed.seed(
        url, big_clients=args.clients, small_businesses=200, small_clients=50, sample_size=1
    )
    business_uid = seeded.big.business_uid
    engine = create_engine(url, pool_size=1)
    try:
        with transaction(engine, write=False) as conn:
            ids = list(
                conn.execute(sa.select(clients.c.id).where(clients.c.business_uid == business_uid))
                .scalars()
                .all()
            )
            first, last = conn.execute(
                sa.select(sa.func.min(clients.c.created_at), sa.func.max(clients.c.created_at))
                .where(clients.c.business_uid == business_uid)
            ).one()  # fmt: skip
        span = last - first
        terms = [first + span * ((n + 0.5) / args.terms) for n in range(args.terms)]
        rng = random.Random(7)
        rng.shuffle(ids)
        out: list[dict[str, Any]] = []
        done = 0
        for total in edits:
            _edit(engine, business_uid, ids[done:total])
            done = max(done, total)
            times = _search(engine, business_uid, terms, args.repeat)
            row = {
                "edited": total,
                "median_ms": round(statistics.median(times) * 1000, 2),
                "p99_ms": round(_percentile(times, 0.99) * 1000, 2),
                "max_ms": round(max(times) * 1000, 2),
                "searches": len(times),
            }
            print(row, flush=True)
            out.append(row)
        return out
    finally:
        engine.dispose()


def _edit(engine: sa.Engine, business_uid: str, ids: list[str]) -> None:
    """Set `updated_at` of these clients to now (what a PUT writes), in batches."""
    update = (
        clients.update()
        .where(clients.c.business_uid == business_uid, clients.c.id == sa.bindparam("client"))
        .values(updated_at=sa.bindparam("now"))
    )
    for start in range(0, len(ids), EDIT_BATCH):
        now = datetime.now()
        batch = [{"client": uid, "now": now} for uid in ids[start : start + EDIT_BATCH]]
        with transaction(engine, write=True) as conn:
            conn.execute(update, batch)
    if ids and not is_sqlite(engine):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE clients")


def _search(
    engine: sa.Engine, business_uid: str, terms: list[datetime], repeat: int
) -> list[float]:
    url = engine.url.render_as_string(hide_password=False)
    return asyncio.run(_timed_searches(url, business_uid, terms, repeat))


async def _timed_searches(
    url: str, business_uid: str, terms: list[datetime], repeat: int
) -> list[float]:
    """The list statement through the async store (what the endpoint runs), one unit."""
    times: list[float] = []
    store = open_store(url, pool_size=1)
    await store.start()
    try:
        async with store.reading() as tx:

            async def first_page(term: datetime) -> None:
                filters = search.Filters(updated_since=term)
                page = await search.list_clients(
                    tx, business_uid=business_uid, filters=filters, offset=0, limit=25
                )
                assert len(page) == 25, len(page)

            await first_page(terms[0])  # untimed, as make bench warms up: compiled once
            for _ in range(repeat):
                for term in terms:
                    began = time.perf_counter()
                    await first_page(term)
                    times.append(time.perf_counter() - began)
    finally:
        await store.close()
    return times


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def table(document: dict[str, Any]) -> str:
    """The results as a Markdown table: one row per number of edited clients."""
    backends = list(document["results"])
    lines = [
        "| edited clients | " + " | ".join(f"{b} median / p99 ms" for b in backends) + " |",
        "|---|" + "---|" * len(backends),
    ]
    rows = zip(*(document["results"][b] for b in backends), strict=True)
    for cells in rows:
        figures = " | ".join(f"{c['median_ms']} / {c['p99_ms']}" for c in cells)
        lines.append(f"| {cells[0]['edited']:,} | {figures} |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
