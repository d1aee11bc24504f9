"""CPU time and memory of process groups, read from /proc (Linux only)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces: split after its closing parenthesis.
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds(pids: Iterable[int]) -> float:
    """utime + stime of the processes (their own, not their waited-for children)."""
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def rss_bytes(pids: Iterable[int]) -> int:
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:
            total += int(fields[21]) * PAGE
    return total


def _all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def tree(root: int) -> list[int]:
    """The process and all its descendants."""
    children: dict[int, list[int]] = {}
    for pid in _all_pids():
        fields = _stat(pid)
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def postgres_pids(database: str) -> Callable[[], list[int]]:
    """A finder for the PostgreSQL processes that serve `database`: its backends plus the
    shared background processes (WAL writer, checkpointer...), not other databases' backends."""

    def find() -> list[int]:
        pids = []
        for pid in _all_pids():
            try:
                comm = Path(f"/proc/{pid}/comm").read_text().strip()
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if comm != "postgres":
                continue
            title = cmdline.replace("\0", " ").strip()
            if not title.startswith("postgres:"):
                pids.append(pid)  # the postmaster
                continue
            words = title.split(": ", 2)[-1].split()
            # A backend's title is "<user> <database> <host(port)> <state>".
            is_backend = len(words) >= 3 and "(" in words[2]
            if not is_backend or words[1] == database:
                pids.append(pid)
        return pids

    return find
