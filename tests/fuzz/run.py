"""Run the parsers' fuzz targets (tests/fuzz/targets.py) with atheris, one subprocess each.

    .venv/bin/python -m tests.fuzz.run --target all --seconds 5 --jobs 2   # the CI size
    .venv/bin/python -m tests.fuzz.run --target all --seconds 300 --keep-going --corpus /tmp/fuzz
    .venv/bin/python -m tests.fuzz.run --target json_body --reproduce crash-file

Each target runs for `--seconds` (libFuzzer's `-max_total_time`) on the seeds of
tests/fuzz/corpus/<target>/ (read-only) and `--corpus DIR`/<target>/ (where new inputs
are kept: a temporary directory unless given), with a dictionary of the target's words.
Exits 1 when any target crashed (an exception other than the parser's refusals, an
oracle failure, a slow input or too much memory), printing each crashing input, what it
was decoded into, and its traceback; 0 otherwise. `--keep-going` restarts a target after
a crash, for the rest of its time, with that crash's signature set aside, so that one
known bug does not hide the next.
"""

from __future__ import annotations

import argparse
import base64
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED_DIR = Path(__file__).resolve().parent / "corpus"
# What atheris instruments for coverage: the parsers and what they call in clientbook,
# and the libraries whose branches decide what a parser accepts. The rest of clientbook
# (the store, the use cases' I/O, the docs) is imported but not instrumented: it is not
# run, and instrumenting it would double each target's start-up time.
INSTRUMENTED_PACKAGES = ["clientbook", "email_validator", "jwt"]
INSTRUMENTED_CLIENTBOOK = (
    "clientbook",
    "clientbook.domain",
    "clientbook.api",
    "clientbook.api.edge",
    "clientbook.api.rendering",
    "clientbook.api.routing",
    "clientbook.auth",
    "clientbook.errors",
    "clientbook.ids",
    "clientbook.service",
    "clientbook.service.access",
)
# Every target's name, in the order of `--target all` (checked against targets.TARGETS).
NAMES = (
    "list_query",
    "json_body",
    "create",
    "update",
    "bulk_opt_in",
    "value_rules",
    "merge_params",
    "csv_import",
    "auth_header",
    "edge_routing",
)
_STATUS = re.compile(r"^#(\d+)\s+(\w+)\s+cov: (\d+) ft: (\d+)(?: corp: (\d+)/)?", re.MULTILINE)
_DONE = re.compile(r"^Done (\d+) runs in (\d+) second", re.MULTILINE)
_EXECUTED = re.compile(r"^stat::number_of_executed_units: (\d+)", re.MULTILINE)
_ARTIFACT = re.compile(r"Test unit written to (\S+)")
_LIBFUZZER_ERROR = re.compile(r"^==\d+== ERROR: libFuzzer: (.+)$", re.MULTILINE)


@dataclass
class Crash:
    signature: str
    input: bytes
    decoded: str
    traceback: str
    artifact: str | None


@dataclass
class Result:
    target: str
    executions: int = 0
    coverage: int = 0
    features: int = 0
    corpus: int = 0
    seconds: float = 0.0
    crashes: list[Crash] = field(default_factory=list)
    done_lines: list[str] = field(default_factory=list)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.worker:
        return _worker(args.worker, args.libfuzzer)
    if args.write_seeds:
        write_seeds()
        return 0
    names = list(NAMES) if args.target == "all" else [args.target]
    if args.reproduce:
        return _reproduce(names[0], Path(args.reproduce))
    work = Path(args.corpus) if args.corpus else Path(tempfile.mkdtemp(prefix="clientbook-fuzz-"))
    try:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            results = list(pool.map(lambda name: _fuzz(name, args, work), names))
    finally:
        if not args.corpus:
            shutil.rmtree(work, ignore_errors=True)
    _summary(results)
    return 1 if any(r.crashes for r in results) else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz.run", description=__doc__)
    parser.add_argument("--target", choices=[*NAMES, "all"], default="all")
    parser.add_argument("--seconds", type=int, default=60, help="per target (default 60)")
    parser.add_argument("--jobs", type=int, default=1, help="targets run at once")
    parser.add_argument("--corpus", help="where new inputs are kept, one directory a target")
    parser.add_argument("--keep-going", action="store_true", help="go on past a crash")
    parser.add_argument("--max-len", type=int, default=4096, help="longest input, bytes")
    parser.add_argument("--timeout", type=int, default=10, help="slowest input, seconds")
    parser.add_argument("--verbose", action="store_true", help="show libFuzzer's output")
    parser.add_argument("--reproduce", metavar="FILE", help="run one input of --target")
    parser.add_argument("--write-seeds", action="store_true", help="rewrite the seed files")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("libfuzzer", nargs="*", help=argparse.SUPPRESS)
    return parser


# The parent: one subprocess a target ------------------------------------------------


def _fuzz(name: str, args: argparse.Namespace, work: Path) -> Result:
    seeds = SEED_DIR / name
    if not any(seeds.glob("seed-*")):
        write_seeds()
    corpus = work / name
    artifacts = work / "crashes" / name
    corpus.mkdir(parents=True, exist_ok=True)
    artifacts.mkdir(parents=True, exist_ok=True)
    dictionary = work / f"{name}.dict"
    dictionary.write_text(_dictionary(name), encoding="ascii")
    known: list[str] = []
    result = Result(target=name)
    deadline = time.monotonic() + args.seconds
    remaining = args.seconds
    while True:
        report = work / f"{name}.crash.json"
        report.unlink(missing_ok=True)
        known_file = work / f"{name}.known"
        known_file.write_text("\n".join(known), encoding="utf-8")
        command = [
            sys.executable, "-m", "tests.fuzz.run", "--worker", name, "--",
            f"-max_total_time={remaining}", f"-max_len={args.max_len}",
            f"-timeout={args.timeout}", "-rss_limit_mb=2048", "-print_final_stats=1",
            f"-dict={dictionary}", f"-artifact_prefix={artifacts}/",
            str(corpus), str(seeds),
        ]  # fmt: skip
        env = {**os.environ, "FUZZ_REPORT": str(report), "FUZZ_KNOWN": str(known_file)}
        started = time.monotonic()
        run = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=remaining + 10 * args.timeout + 120,
            check=False,
        )
        result.seconds += time.monotonic() - started
        output = run.stdout
        if args.verbose:
            print(output)
        _read_figures(result, output)
        if run.returncode == 0:
            break
        crash = _crash(output, report)
        result.crashes.append(crash)
        print(f"[{name}] CRASH {crash.signature}", flush=True)
        remaining = int(deadline - time.monotonic())
        if not args.keep_going or remaining < 2 or crash.signature in known:
            break
        known.append(crash.signature)
    result.corpus = len(list(corpus.iterdir()))
    for line in result.done_lines:
        print(f"[{name}] {line}", flush=True)
    return result


def _read_figures(result: Result, output: str) -> None:
    """Executions and coverage of one subprocess, from libFuzzer's own lines."""
    statuses = _STATUS.findall(output)
    if statuses:
        last = statuses[-1]
        result.coverage = max(result.coverage, int(last[2]))
        result.features = max(result.features, int(last[3]))
    executed = [int(n) for n in _EXECUTED.findall(output)] or [int(s[0]) for s in statuses[-1:]]
    result.executions += executed[-1] if executed else 0
    result.done_lines += [
        line for line in output.splitlines() if _STATUS.match(line) and "DONE" in line
    ] + [line for line in output.splitlines() if _DONE.match(line)]
    if not executed:
        result.done_lines.append("no executions reported")


def _crash(output: str, report: Path) -> Crash:
    """The crash a subprocess ended with: the target's own report when it wrote one (an
    exception), else libFuzzer's (a timeout, out of memory, a crash in C)."""
    artifacts = _ARTIFACT.findall(output)
    artifact = artifacts[-1] if artifacts else None
    if report.exists():
        record = json.loads(report.read_text(encoding="utf-8"))
        return Crash(
            signature=record["signature"],
            input=bytes.fromhex(record["input"]),
            decoded=record["decoded"],
            traceback=record["traceback"],
            artifact=artifact,
        )
    errors = _LIBFUZZER_ERROR.findall(output)
    data = Path(artifact).read_bytes() if artifact and Path(artifact).exists() else b""
    return Crash(
        signature=f"libFuzzer: {errors[-1] if errors else 'exited without a report'}",
        input=data,
        decoded="",
        traceback=output[-4000:],
        artifact=artifact,
    )


def _summary(results: list[Result]) -> None:
    print()
    print(f"{'target':<14} {'executions':>11} {'cov':>6} {'ft':>7} {'corpus':>7} {'s':>5}  crashes")
    for r in results:
        crashes = "; ".join(c.signature for c in r.crashes) or "0"
        print(
            f"{r.target:<14} {r.executions:>11} {r.coverage:>6} {r.features:>7} "
            f"{r.corpus:>7} {r.seconds:>5.0f}  {crashes}"
        )
    total = sum(r.executions for r in results)
    print(f"{'total':<14} {total:>11}")
    for r in results:
        for crash in r.crashes:
            print(f"\n=== {r.target}: {crash.signature}")
            print(f"input ({len(crash.input)} bytes): {_cut(repr(crash.input))}")
            if len(crash.input) <= 2048:
                print(f"input (base64): {base64.b64encode(crash.input).decode()}")
            if crash.decoded:
                print(f"decoded:        {_cut(crash.decoded)}")
            if crash.artifact:
                print(f"file:           {crash.artifact}")
                print(
                    f"reproduce:      python -m tests.fuzz.run --target {r.target}"
                    f" --reproduce {crash.artifact}"
                )
            print(crash.traceback.rstrip())


def _cut(text: str, limit: int = 800) -> str:
    if len(text) <= limit:
        return text
    return f"{text[: limit // 2]} ...({len(text) - limit} characters)... {text[-limit // 2 :]}"


def _dictionary(name: str) -> str:
    """The target's words as a libFuzzer dictionary: one `"word"` a line, escaped."""
    from tests.fuzz.targets import DICTIONARIES

    lines = []
    for word in DICTIONARIES[name]:
        escaped = "".join(
            chr(byte) if 0x20 <= byte < 0x7F and byte not in b'"\\' else f"\\x{byte:02X}"
            for byte in word.encode("utf-8", "surrogatepass")
        )
        lines.append(f'"{escaped}"')
    return "\n".join(lines) + "\n"


def write_seeds() -> None:
    """(Re)write tests/fuzz/corpus/<target>/seed-NNN from targets.SEEDS."""
    from tests.fuzz.targets import SEEDS

    for name, seeds in SEEDS.items():
        directory = SEED_DIR / name
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.glob("seed-*"):
            old.unlink()
        for file_name, data in seeds.items():
            (directory / file_name).write_bytes(data)


def _reproduce(name: str, path: Path) -> int:
    """Run one input through a target, without atheris's instrumentation."""
    from tests.fuzz.targets import TARGETS, describe

    try:
        TARGETS[name](path.read_bytes())
    except Exception:
        print(f"decoded: {describe()}", file=sys.stderr)
        raise
    print(f"{name}: {path}: a value or an AppError (no crash)")
    return 0


# The child: atheris -----------------------------------------------------------------


def _not_instrumented() -> list[str]:
    """clientbook's modules outside INSTRUMENTED_CLIENTBOOK (found without importing)."""
    spec = importlib.util.find_spec("clientbook")
    assert spec is not None
    assert spec.submodule_search_locations is not None
    root = Path(next(iter(spec.submodule_search_locations)))
    names = []
    for path in root.rglob("*.py"):
        parts = ("clientbook", *path.relative_to(root).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if name not in INSTRUMENTED_CLIENTBOOK and not name.startswith("clientbook.domain."):
            names.append(name)
    return names


def _worker(name: str, libfuzzer_args: list[str]) -> int:
    import atheris  # type: ignore[import-untyped]

    with atheris.instrument_imports(include=INSTRUMENTED_PACKAGES, exclude=_not_instrumented()):
        from tests.fuzz import targets
    assert tuple(targets.TARGETS) == NAMES, "NAMES must list every target, in order"
    known_file = os.environ.get("FUZZ_KNOWN")
    known = Path(known_file).read_text(encoding="utf-8").split("\n") if known_file else []
    one = targets.entry(name, known=[k for k in known if k], report=os.environ.get("FUZZ_REPORT"))
    atheris.Setup([sys.argv[0], *libfuzzer_args], one)
    atheris.Fuzz()
    return 0  # atheris.Fuzz() exits the process itself


if __name__ == "__main__":
    sys.exit(main())
