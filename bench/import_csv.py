"""Time `clientbook clients import` of a generated CSV (default 100,000 rows) on SQLite.

    .venv/bin/python -m bench.import_csv [--rows N] [--database-url URL]

Runs the real command (a subprocess) twice on the same file: the first run imports every
row, the second finds every row a duplicate (idempotence). Prints one JSON object; the
recorded figure is in docs/decisions.md ("CSV import/export").
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from clientbook import admin, ids
from clientbook.config import Settings
from clientbook.store import migrate
from clientbook.store.database import open_store

CLIENTBOOK = str(Path(sys.executable).parent / "clientbook")
COLUMNS = ("first_name", "last_name", "email", "phone", "address", "tags", "status", "opt_in")


def write_csv(path: Path, rows: int) -> None:
    """Realistic rows: 9 in 10 with an email, a US phone, two tags; every 50th has no email."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n in range(rows):
            email = "" if n % 50 == 0 else f"client{n}@example.com"
            writer.writerow(
                (
                    f"Zoë{n}",
                    f"Ångström{n % 997}",
                    email,
                    f"+1 202 555 {n % 10000:04d}",
                    f"{n} Main Street",
                    "imported, csv",
                    "lead",
                    "1" if n % 2 else "0",
                )
            )


def make_business(database_url: str) -> str:
    migrate.upgrade(database_url)
    return asyncio.run(_make_business(database_url))


async def _make_business(database_url: str) -> str:
    """A directory and its business, written through the async store (admin functions)."""
    settings = Settings(database_url=database_url)
    store = open_store(database_url, pool_size=1)
    await store.start()
    now = ids.utcnow()
    try:
        async with store.writing() as tx:
            directory = await admin.create_directory(tx, name="Bench", settings=settings, now=now)
            business = await admin.create_business(
                tx,
                directory_uid=directory["uid"],
                name="Bench import",
                country="US",
                opt_in_enabled=True,
                now=now,
            )
    finally:
        await store.close()
    return str(business["uid"])


def timed_import(
    database_url: str, business: str, path: Path
) -> tuple[float, float, dict[str, int]]:
    """(wall seconds, CPU seconds of the command, report counts)."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        [CLIENTBOOK, "clients", "import", str(path), "--business", business],
        env={"CLIENTBOOK_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    if done.returncode not in (0, 2):
        raise SystemExit(done.stderr)
    report = json.loads(done.stdout)
    counts = {k: report[k] for k in ("rows", "imported", "duplicate_count", "rejected_count")}
    return elapsed, cpu, counts


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clients.csv"
        write_csv(path, args.rows)
        database_url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        business = make_business(database_url)
        first, first_cpu, first_counts = timed_import(database_url, business, path)
        second, second_cpu, second_counts = timed_import(database_url, business, path)
    result = {
        "rows": args.rows,
        "backend": database_url.split(":", 1)[0],
        "first_run_seconds": round(first, 1),
        "first_run_cpu_seconds": round(first_cpu, 1),
        "rows_per_second": round(args.rows / first),
        "load_average_1m": round(os.getloadavg()[0], 1),
        "first_run": first_counts,
        "second_run_seconds": round(second, 1),
        "second_run_cpu_seconds": round(second_cpu, 1),
        "second_run": second_counts,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
