"""`clientbook serve` as operators run it: SIGTERM finishes in-flight requests, exits 0,
and the access log is one JSON line per request on stdout."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from clientbook.config import Settings
from tests.conftest import TEST_SECRET, _free_port
from tests.factories import Tenant


def _serve(
    settings: Settings, port: int, log: Path, *, own_session: bool = False
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CLIENTBOOK_DATABASE_URL": settings.database_url,
        "CLIENTBOOK_SECRET_KEY": TEST_SECRET,
    }
    clientbook = str(Path(sys.executable).parent / "clientbook")
    with log.open("w") as out:
        process = subprocess.Popen(
            [clientbook, "serve", "--port", str(port)], env=env, stdout=out, stderr=out,
            start_new_session=own_session,
        )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready").status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail(f"clientbook serve did not start:\n{log.read_text()}")
        time.sleep(0.1)


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_sigterm_finishes_the_request_in_flight_then_exits_0(
    settings: Settings, tenant: Tenant, tmp_path: Path
) -> None:
    port = _free_port()
    log = tmp_path / "serve.log"
    process = _serve(settings, port, log)
    try:
        body = json.dumps({"first_name": "Grace", "email": "grace@example.com"}).encode()
        head = (
            f"POST /platform/v1/clients HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {tenant.staff_token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "X-Request-Id: in-flight-1\r\n\r\n"
        ).encode()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            # The request is in flight: the app is reading a body that is half sent.
            sock.sendall(head + body[:10])
            time.sleep(0.5)
            process.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            assert process.poll() is None, "the server quit with a request in flight"
            sock.sendall(body[10:])
            response = _read_response(sock)
        assert response.startswith(b"HTTP/1.1 201 "), response[:200]
        assert b'"first_name":"Grace"' in response
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    posted = [line for line in lines if line["request_id"] == "in-flight-1"]
    assert len(posted) == 1
    assert posted[0]["route"] == "/platform/v1/clients"
    assert posted[0]["status"] == 201
    assert posted[0]["business_uid"] == tenant.business_uid
    assert tenant.staff_token not in log.read_text()
    assert "grace@example.com" not in log.read_text()


def _log_lines(log: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]


def test_every_answered_request_has_its_access_log_line_while_serving_and_after_sigterm(
    settings: Settings, tenant: Tenant, tmp_path: Path
) -> None:
    """Lines are written once per turn of a worker's event loop (AccessLogHandler): none
    waits for more traffic, and a stop writes what waits."""
    port = _free_port()
    log = tmp_path / "serve.log"
    process = _serve(settings, port, log)
    try:
        url = f"http://127.0.0.1:{port}/platform/v1/clients/nobody"
        headers = {"Authorization": f"Bearer {tenant.staff_token}"}
        with httpx.Client() as client:
            first = [f"first-{n}" for n in range(50)]
            for request_id in first:
                client.get(url, headers={**headers, "X-Request-Id": request_id})
            deadline = time.monotonic() + 10
            while not set(first) <= {line["request_id"] for line in _log_lines(log)}:
                assert time.monotonic() < deadline, "lines of answered requests still wait"
                time.sleep(0.05)
            last = [f"last-{n}" for n in range(50)]
            for request_id in last:
                client.get(url, headers={**headers, "X-Request-Id": request_id})
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    ids = [line["request_id"] for line in _log_lines(log) if line.get("event") == "request"]
    answered = [i for i in ids if isinstance(i, str) and i.startswith(("first-", "last-"))]
    assert sorted(answered) == sorted(first + last)


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so split after its ")".
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_worker_stops_when_its_server_process_is_killed(
    settings: Settings, tmp_path: Path
) -> None:
    port = _free_port()
    log = tmp_path / "serve.log"
    process = _serve(settings, port, log, own_session=True)
    try:
        workers = _children(process.pid)
        assert workers, "clientbook serve started no worker process"
        process.kill()  # SIGKILL to the server process alone: it cannot stop its worker
        process.wait(timeout=30)
        deadline = time.monotonic() + 15
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in workers), "the worker outlived its server"
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
        assert "this worker stops" in log.read_text()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
