"""A bounded coverage-guided fuzzing run of every parser (tests/fuzz/targets.py), in CI.

Every target runs for SECONDS under atheris, two at a time (about 45 s in all on the
2-core machine); the test fails when any crashes (an exception other than the parser's
refusals, or an oracle failure), with the crashing input and traceback in its message,
and when a target did not really run (no executions reported by libFuzzer).
The longer run: `.venv/bin/python -m tests.fuzz.run --target all --seconds 300`.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz.run import NAMES

SECONDS = 5
ROOT = Path(__file__).resolve().parents[2]


def test_no_parser_raises_anything_but_its_refusals() -> None:
    if importlib.util.find_spec("atheris") is None:
        pytest.fail("atheris is not installed: pip install -e '.[dev]' (atheris==2.3.0)")
    command = [sys.executable, "-m", "tests.fuzz.run", "--target", "all"]
    command += ["--seconds", str(SECONDS), "--jobs", "2"]
    run = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=len(NAMES) * (SECONDS + 60),
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"a fuzz target crashed:\n{output[-20_000:]}"
    for name in NAMES:
        # libFuzzer's last lines of the target: `#N DONE cov: ...` and `Done N runs in`.
        done = re.findall(rf"^\[{name}\] Done (\d+) runs in", output, re.MULTILINE)
        status = re.findall(rf"^\[{name}\] #(\d+)\s+DONE\s+cov: (\d+)", output, re.MULTILINE)
        assert done, f"{name} reported no executions:\n{output}"
        assert int(done[-1]) > 0, f"{name} ran no input:\n{output}"
        assert status, f"{name} reported no coverage:\n{output}"
        assert int(status[-1][1]) > 0, f"{name} covered nothing:\n{output}"
