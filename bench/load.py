"""Servers under test and the load generator (wrk), each in its own process, on loopback."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import procs

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
WRK_DIR = Path(__file__).resolve().parent / "wrk"
BIN = Path(sys.executable).parent


@dataclass
class Result:
    """One wrk run: throughput, latency, errors, and who used the CPU (in cores)."""

    case: str
    rps: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    requests: int = 0
    non2xx: int = 0
    socket_errors: int = 0
    cpu: dict[str, float] = field(default_factory=dict)
    rss_mb: list[float] = field(default_factory=list)
    available: bool = True
    note: str = ""


def ensure_wrk() -> str:
    """wrk's path, installing the Debian package if it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: installing the Debian package", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed")
    return found


def server_command(
    kind: str, *, server: str, workers: int, port: int, database_url: str
) -> list[str]:
    """The command line of clientbook, the baseline app or the ceiling. clientbook under
    its own server (granian) is `clientbook serve`; `--server uvicorn` is the A/B. The
    ceiling (bench/ceiling.py) is a Starlette app and always runs on uvicorn."""
    if kind == "ceiling":
        server = "uvicorn"
    if kind == "clientbook" and server == "granian":
        return [
            str(BIN / "clientbook"), "serve", "--workers", str(workers),
            "--port", str(port), "--database-url", database_url,
        ]  # fmt: skip
    target = {
        "clientbook": "clientbook.app:create_app_from_env",
        "baseline": "bench.baseline:app",
        "ceiling": "bench.ceiling:app",
    }[kind]
    factory = ["--factory"] if kind == "clientbook" else []
    if server == "granian":
        return [
            str(BIN / "granian"), "--interface", "asgi", *factory, "--host", HOST,
            "--port", str(port), "--workers", str(workers), "--log-level", "warning", target,
        ]  # fmt: skip
    return [
        str(BIN / "uvicorn"), target, *factory, "--host", HOST, "--port", str(port),
        "--workers", str(workers), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip


@contextmanager
def running(command: list[str], *, port: int, env: dict[str, str]) -> Iterator[int]:
    """Start a server, wait for GET /health, yield its pid, stop it (SIGTERM, then SIGKILL)."""
    log = (ROOT / "data").joinpath(f"bench-server-{port}.log")
    log.parent.mkdir(exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            _wait_healthy(port, process)
            yield process.pid
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited; see data/bench-server-{port}.log")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not become healthy")


def status_of(port: int, path: str, token: str) -> int:
    """The status of one GET, used to tell whether an endpoint exists yet."""
    request = urllib.request.Request(
        f"http://{HOST}:{port}{path}", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code


@dataclass(frozen=True)
class Load:
    """How wrk drives a case: threads, connections, and the Lua environment."""

    wrk: str
    port: int
    connections: int
    env: dict[str, str]
    threads: int = 1


def drive(
    load: Load,
    case: str,
    script: str,
    *,
    seconds: int,
    server_pids: list[int],
    db_pids: Callable[[], list[int]] | None,
    rss_every: float = 0.0,
) -> Result:
    """Run one wrk case and measure CPU per group (server, database, wrk) while it runs."""
    command = [
        load.wrk, f"-t{load.threads}", f"-c{load.connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(WRK_DIR / f"{script}.lua"), f"http://{HOST}:{load.port}",
    ]  # fmt: skip
    # A fresh nonce per run keeps POSTed emails unique across runs.
    nonce = f"{time.time_ns()}"
    env = {**os.environ, "BENCH_WRK_DIR": str(WRK_DIR), **load.env, "BENCH_NONCE": nonce}
    db_before = _per_pid(db_pids() if db_pids else [])
    server_before = procs.cpu_seconds(server_pids)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    rss: list[float] = []
    stop = threading.Event()

    def sample_rss() -> None:
        while not stop.wait(rss_every):
            rss.append(procs.rss_bytes(server_pids) / 2**20)

    sampler = threading.Thread(target=sample_rss, daemon=True)
    if rss_every:
        rss.append(procs.rss_bytes(server_pids) / 2**20)
        sampler.start()
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    stop.set()
    wall = time.monotonic() - started
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if rss_every:
        sampler.join()
        rss.append(procs.rss_bytes(server_pids) / 2**20)
    db_after = _per_pid(db_pids() if db_pids else [])
    line = next((x for x in completed.stdout.splitlines() if x.startswith("BENCH_RESULT ")), None)
    if completed.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed for {case}:\n{completed.stdout}\n{completed.stderr}")
    figures: dict[str, Any] = json.loads(line.removeprefix("BENCH_RESULT "))
    wrk_cpu = (children_after.ru_utime + children_after.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    cpu = {
        "server": (procs.cpu_seconds(server_pids) - server_before) / wall,
        "load generator": wrk_cpu / wall,
    }
    if db_pids is not None:
        cpu["database"] = sum(t - db_before.get(p, 0.0) for p, t in db_after.items()) / wall
    return Result(
        case=case,
        rps=figures["rps"],
        p50_ms=figures["p50_ms"],
        p90_ms=figures["p90_ms"],
        p99_ms=figures["p99_ms"],
        max_ms=figures["max_ms"],
        requests=figures["requests"],
        non2xx=figures["non2xx"],
        socket_errors=figures["socket_errors"],
        cpu=cpu,
        rss_mb=rss,
    )


def _per_pid(pids: list[int]) -> dict[int, float]:
    return {pid: procs.cpu_seconds([pid]) for pid in pids}
