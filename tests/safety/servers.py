"""Real `clientbook serve` processes for the safety suites: started, waited for, killed."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx

from tests.conftest import TEST_SECRET

CLIENTBOOK = str(Path(sys.executable).parent / "clientbook")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """One `clientbook serve` process on a database; restartable on the same port."""

    database_url: str
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, timeout: float = 30) -> None:
        env = {
            **os.environ,
            "CLIENTBOOK_DATABASE_URL": self.database_url,
            "CLIENTBOOK_SECRET_KEY": TEST_SECRET,
            **self.env,
        }
        with self.log_path.open("ab") as log:
            # A session of its own: `kill` ends the server's whole process group.
            self.process = subprocess.Popen(
                [CLIENTBOOK, "serve", "--port", str(self.port)], env=env, stdout=log, stderr=log,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.base_url}/health", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"clientbook serve did not start; see {self.log_path}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL to the server and its workers: no shutdown, no flush; what was
        acknowledged must survive. (A SIGKILL to granian's main process alone leaves its
        worker running, orphaned, with the database open and the port served.)"""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def serving(database_url: str, log_path: Path, **env: str) -> Iterator[Server]:
    """A started server, stopped at the end."""
    server = Server(database_url=database_url, log_path=log_path, env=env)
    server.start()
    try:
        yield server
    finally:
        server.stop()
