"""`make bench`: seed SQLite and PostgreSQL, load clientbook, the baseline and the ceiling.

Everything runs on 127.0.0.1 for a bounded time; the PostgreSQL benchmark database is
created and dropped here, the SQLite file lives in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

from bench import load, procs, report, seed

PG_DATABASE = "clientbook_bench"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CLIENTBOOK_PORT = 18080
BASELINE_PORT = 18081
CEILING_PORT = 18082
SEARCHES = ("email", "uid", "phone", "updated_at")
BASELINE_CASES = ("get_one", "put")  # what the baseline and the ceiling serve
LIST_PATH = "/platform/v1/clients"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    wrk = load.ensure_wrk()
    started = time.monotonic()
    results: dict[str, Any] = {}
    for backend in args.backends.split(","):
        print(f"== {backend}", flush=True)
        results[backend] = _bench_backend(backend, args, wrk)
    meta = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": _command(argv),
        "machine": _machine(),
        "load_average_at_start": os.getloadavg(),
        "settings": {k: v for k, v in vars(args).items() if k not in ("pg_admin_url",)},
        "minutes": round((time.monotonic() - started) / 60, 1),
    }
    document = {"meta": meta, "results": results}
    out = Path(args.json_out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=1) + "\n")
    if args.report:
        report.write(Path(args.report), document, label=args.label)
    print(report.tables(document))
    return 0


def _parser() -> argparse.ArgumentParser:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    parser.add_argument("--clients", type=int, default=int(env("BENCH_CLIENTS", "1000000")),
                        help="clients of the big business (default 1,000,000)")  # fmt: skip
    parser.add_argument("--businesses", type=int, default=200, help="small businesses")
    parser.add_argument("--small-clients", type=int, default=50, help="clients per small one")
    parser.add_argument("--duration", type=int, default=int(env("BENCH_DURATION", "10")),
                        help="seconds per case")  # fmt: skip
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per case")
    rounds = int(env("BENCH_ROUNDS", "3"))
    parser.add_argument("--rounds", type=int, default=rounds,
                        help="alternating rounds of the baseline pairs")  # fmt: skip
    memory = int(env("BENCH_MEMORY_SECONDS", "60"))
    parser.add_argument("--memory-seconds", type=int, default=memory,
                        help="length of the mixed run that samples server RSS")  # fmt: skip
    parser.add_argument("--connections", type=int, default=int(env("BENCH_CONNECTIONS", "16")),
                        help="wrk connections")  # fmt: skip
    parser.add_argument("--threads", type=int, default=int(env("BENCH_THREADS", "1")),
                        help="wrk threads")  # fmt: skip
    parser.add_argument("--workers", type=int, default=int(env("BENCH_WORKERS", "1")))
    parser.add_argument(
        "--server", choices=("granian", "uvicorn"), default=env("BENCH_SERVER", "granian")
    )
    parser.add_argument("--backends", default=env("BENCH_BACKENDS", "sqlite,postgresql"))
    parser.add_argument("--cases", default=env("BENCH_CASES", ""),
                        help="comma-separated subset of cases (default: all)")  # fmt: skip
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the bare-ASGI baseline (bench/baseline.py)")  # fmt: skip
    parser.add_argument("--no-ceiling", action="store_true",
                        help="skip the Starlette ceiling (bench/ceiling.py)")  # fmt: skip
    parser.add_argument("--pg-admin-url", default=env("BENCH_PG_ADMIN_URL", PG_ADMIN_URL))
    parser.add_argument("--json-out", default="bench/results/latest.json")
    parser.add_argument("--report", default=env("BENCH_REPORT", "docs/performance.md"),
                        help="file whose generated section is rewritten ('' for none)")  # fmt: skip
    parser.add_argument("--label", default=env("BENCH_LABEL", "latest"))
    return parser


def _bench_backend(backend: str, args: argparse.Namespace, wrk: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="clientbook-bench-") as tmp:
        if backend == "sqlite":
            url = f"sqlite:///{tmp}/bench.db"
            db_pids: Callable[[], list[int]] | None = None
            return _bench_database(url, args, wrk, Path(tmp), db_pids)
        admin = _loopback(args.pg_admin_url)
        _recreate(admin, drop_only=False)
        try:
            url = sa.make_url(admin).set(database=PG_DATABASE).render_as_string(hide_password=False)
            return _bench_database(url, args, wrk, Path(tmp), procs.postgres_pids(PG_DATABASE))
        finally:
            _recreate(admin, drop_only=True)


def _loopback(url: str) -> str:
    host = sa.make_url(url).host
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"the benchmark only targets 127.0.0.1, not {host}")
    return url


def _recreate(admin_url: str, *, drop_only: bool, name: str = PG_DATABASE) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if not drop_only:
            conn.execute(f"CREATE DATABASE {name}")


def _checkpoint(url: str) -> None:
    """PostgreSQL: CHECKPOINT, so that every case starts from the same WAL state. After a
    checkpoint the first change to each page writes the whole page to the WAL: a write
    case run soon after one (the seed's, or one the WAL's size asked for) paid 25-30% more
    WAL a POST and ran 10-20% slower than one run later (docs/performance.md, ninth
    round), and which case met it was chance."""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:  # needs superuser or pg_checkpoint
        print("   (CHECKPOINT refused to this role: the cases start from any WAL state)")


def _bench_database(
    url: str,
    args: argparse.Namespace,
    wrk: str,
    tmp: Path,
    db_pids: Callable[[], list[int]] | None,
) -> dict[str, Any]:
    began = time.monotonic()
    seeded = seed.seed(
        url,
        big_clients=args.clients,
        small_businesses=args.businesses,
        small_clients=args.small_clients,
        sample_size=10_000,
    )
    seed_seconds = time.monotonic() - began
    sample = tmp / "sample.tsv"
    seed.write_sample(sample, seeded.sample)
    env = {
        "BENCH_TOKEN": seeded.big.token,
        "BENCH_SAMPLE": str(sample),
    }
    wanted = set(filter(None, args.cases.split(",")))

    def want(case: str) -> bool:
        return not wanted or case in wanted

    server_env = {"CLIENTBOOK_RATE_LIMIT": "0", "CLIENTBOOK_DATABASE_URL": url}
    command = load.server_command(
        "clientbook", server=args.server, workers=args.workers, port=CLIENTBOOK_PORT,
        database_url=url,
    )  # fmt: skip
    cases: list[dict[str, Any]] = []
    baseline: list[dict[str, Any]] = []
    ceiling: list[dict[str, Any]] = []
    settle = None if url.startswith("sqlite") else lambda: _checkpoint(url)
    with ExitStack() as servers:
        pid = servers.enter_context(load.running(command, port=CLIENTBOOK_PORT, env=server_env))
        # The baseline and the ceiling run beside clientbook, idle until their turn: each
        # of their cases runs right beside clientbook's same case, so all meet the same
        # machine (the ratio is what the targets are about, and a shared machine drifts
        # within minutes).
        base = (
            None if args.no_baseline else _start_reference(servers, "baseline", args, url, seeded)
        )
        top = None if args.no_ceiling else _start_reference(servers, "ceiling", args, url, seeded)
        time.sleep(1)  # let every worker start
        pids = procs.tree(pid)

        def spec_of(port: int) -> load.Load:
            return load.Load(
                wrk=wrk, port=port, connections=args.connections, env=env, threads=args.threads
            )

        spec = spec_of(CLIENTBOOK_PORT)
        # Who is paired with clientbook: (label, wrk spec, process tree, results).
        references = [
            (name, spec_of(port), tree, out)
            for name, port, tree, out in (
                ("baseline", BASELINE_PORT, base, baseline),
                ("ceiling", CEILING_PORT, top, ceiling),
            )
            if tree is not None
        ]
        plan = [("GET one", "get_one"), ("list first page", "list_first_page")]
        plan += [(f"search_by={s}", f"search_{s}") for s in SEARCHES]
        plan += [("PUT", "put"), ("POST", "post")]
        for case, script in plan:
            if not want(script):
                continue
            if script.startswith(("list", "search")) and not _available(script, seeded):
                cases.append(asdict(load.Result(case=case, available=False)))
                print(f"   {case}: not available", flush=True)
                continue
            if not references or script not in BASELINE_CASES:
                cases.append(_case(spec, case, script, args, pids, db_pids, settle=settle))
                continue
            # The cases the targets compare run in rounds, N times: the machine drifts,
            # each round meets the same state. Who goes first rotates too: the first of a
            # round may warm what all read (the page cache of one database file).
            ours: list[dict[str, Any]] = []
            theirs: dict[str, list[dict[str, Any]]] = {name: [] for name, *_ in references}
            turns = [("clientbook", spec, pids), *((n, s, t) for n, s, t, _ in references)]
            for round_ in range(args.rounds):
                first = round_ % len(turns)
                for name, each, tree in turns[first:] + turns[:first]:
                    if name == "clientbook":
                        ours.append(_case(each, case, script, args, tree, db_pids, settle=settle))
                        continue
                    print(f"   {name}:", end="", flush=True)
                    theirs[name].append(
                        _case(each, case, script, args, tree, db_pids, settle=settle)
                    )
            cases.append(_rounds(ours))
            for name, _, _, out in references:
                out.append(_rounds(theirs[name]))
        if want("mixed"):
            mixed = _case(
                spec, "mixed 70/20/10", "mixed", args, pids, db_pids, memory=True, settle=settle
            )
            cases.append(mixed)
    return {
        "seed_seconds": round(seed_seconds, 1),
        "clientbook": cases,
        "baseline": baseline,
        "ceiling": ceiling,
    }


def _start_reference(
    servers: ExitStack, kind: str, args: argparse.Namespace, url: str, seeded: seed.Seeded
) -> list[int]:
    """Start the baseline (under clientbook's server) or the ceiling (on uvicorn), with
    clientbook's worker count; its process tree."""
    port = BASELINE_PORT if kind == "baseline" else CEILING_PORT
    ref_env = {
        f"BENCH_{kind.upper()}_DATABASE_URL": url,
        "BENCH_BUSINESS_UID": seeded.big.business_uid,
    }
    command = load.server_command(
        kind, server=args.server, workers=args.workers, port=port, database_url=url
    )
    pid = servers.enter_context(load.running(command, port=port, env=ref_env))
    time.sleep(1)
    return procs.tree(pid)


def _available(script: str, seeded: seed.Seeded) -> bool:
    """The list endpoint answers (404/405 mean another engineer has not landed it yet)."""
    first = seeded.sample[0]
    path = LIST_PATH
    if script.startswith("search_"):
        by = script.removeprefix("search_")
        term = {"email": first["email"], "uid": first["id"], "phone": first["phone"]}.get(
            by, first["updated_at"]
        )
        path = f"{LIST_PATH}?search_by={by}&search_term={term}"
    status = load.status_of(CLIENTBOOK_PORT, path, seeded.big.token)
    return status not in (404, 405)


def _case(
    spec: load.Load,
    case: str,
    script: str,
    args: argparse.Namespace,
    pids: list[int],
    db_pids: Callable[[], list[int]] | None,
    *,
    memory: bool = False,
    settle: Callable[[], None] | None = None,
) -> dict[str, Any]:
    if settle is not None:
        settle()
    if args.warmup:
        load.drive(spec, case, script, seconds=args.warmup, server_pids=pids, db_pids=None)
    seconds = args.memory_seconds if memory else args.duration
    result = load.drive(
        spec, case, script, seconds=seconds, server_pids=pids, db_pids=db_pids,
        rss_every=5.0 if memory else 0.0,
    )  # fmt: skip
    print(
        f"   {case}: {result.rps:.0f} req/s  p50 {result.p50_ms:.2f} ms  "
        f"p99 {result.p99_ms:.2f} ms  non-2xx {result.non2xx}  cpu {result.cpu}",
        flush=True,
    )
    return asdict(result)


def _rounds(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Several rounds of one case as one: the round of median req/s (its CPU split and
    percentiles), every round kept under "rounds" for the paired ratios (report.py)."""
    ordered = sorted(results, key=lambda r: r["rps"])
    middle = dict(ordered[(len(ordered) - 1) // 2])
    middle["rounds"] = [
        {k: r[k] for k in ("rps", "p50_ms", "p99_ms", "non2xx", "socket_errors")} for r in results
    ]
    middle["non2xx"] = sum(r["non2xx"] for r in results)
    middle["socket_errors"] = sum(r["socket_errors"] for r in results)
    return middle


def _command(argv: list[str] | None) -> str:
    words = [".venv/bin/python", "-m", "bench.run", *(sys.argv[1:] if argv is None else argv)]
    return " ".join(shlex.quote(w) for w in words)


def _machine() -> dict[str, Any]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model,
        "memory_gib": round(memory_kb / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


if __name__ == "__main__":
    raise SystemExit(main())
