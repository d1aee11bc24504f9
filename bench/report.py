"""The benchmark's figures as Markdown, written into docs/performance.md between markers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

BEGIN = "<!-- bench:begin {label} -->"
END = "<!-- bench:end {label} -->"
GROWTH = 0.10  # RSS growing more than this over the run (after warm-up) reads "growing"


def _ratio(case: dict[str, Any], reference: dict[str, Any] | None) -> str:
    """clientbook / reference as "0.80x rps, 1.10x p99 (rounds: ...)", or ""."""
    if reference is None or not reference["rps"]:
        return ""
    rps, p99 = ratios(case, reference)
    ratio = f"{rps:.2f}x rps, {p99:.2f}x p99"
    pairs = list(zip(case.get("rounds", ()), reference.get("rounds", ()), strict=False))
    if len(pairs) > 1:
        each = ", ".join(
            f"{a['rps'] / b['rps']:.2f} / {a['p99_ms'] / b['p99_ms']:.2f}" for a, b in pairs
        )
        ratio += f" (rounds: {each})"
    return ratio


def _row(
    case: dict[str, Any],
    baseline: dict[str, Any] | None = None,
    ceiling: dict[str, Any] | None = None,
) -> str:
    if not case["available"]:
        return f"| {case['case']} | not available (404/405) | | | | | | | |"
    cpu = case["cpu"]
    split = " / ".join(
        f"{cpu[k]:.2f}" if k in cpu else "in server"
        for k in ("server", "database", "load generator")
    )
    errors = case["non2xx"] + case["socket_errors"]
    per_request = (cpu["server"] + cpu.get("database", 0.0)) * 1000 / case["rps"]
    return (
        f"| {case['case']} | {case['rps']:.0f} | {case['p50_ms']:.2f} | {case['p99_ms']:.2f} "
        f"| {errors} | {split} | {per_request:.2f} | {_ratio(case, baseline)} "
        f"| {_ratio(case, ceiling)} |"
    )


def ratios(case: dict[str, Any], baseline: dict[str, Any]) -> tuple[float, float]:
    """clientbook / reference (the baseline or the ceiling) for req/s and p99: the median
    of the paired rounds' ratios (each round of clientbook against the reference's round
    beside it)."""
    pairs = list(zip(case.get("rounds", ()), baseline.get("rounds", ()), strict=False))
    if not pairs:
        return case["rps"] / baseline["rps"], case["p99_ms"] / baseline["p99_ms"]
    rps = sorted(a["rps"] / b["rps"] for a, b in pairs)
    p99 = sorted(a["p99_ms"] / b["p99_ms"] for a, b in pairs)
    middle = (len(pairs) - 1) // 2
    return rps[middle], p99[middle]


def _memory(case: dict[str, Any]) -> str:
    rss = case["rss_mb"]
    if len(rss) < 3:
        return "not sampled"
    settled, last = rss[1], rss[-1]
    verdict = "growing" if last > settled * (1 + GROWTH) else "stable"
    series = ", ".join(f"{x:.0f}" for x in rss)
    return f"{verdict} ({series} MiB, every 5 s)"


def tables(document: dict[str, Any]) -> str:
    """One table per backend: clientbook's cases, then the baseline's and the ceiling's."""
    lines: list[str] = []
    for backend, data in document["results"].items():
        baseline = {b["case"]: b for b in data["baseline"]}
        ceiling = {c["case"]: c for c in data.get("ceiling", [])}
        lines += [
            f"#### {backend} (seeded in {data['seed_seconds']} s)",
            "",
            "| case | req/s | p50 ms | p99 ms | errors | CPU cores: server / database / wrk "
            "| CPU ms/req (server + db) | clientbook / baseline | clientbook / ceiling |",
            "|---|---:|---:|---:|---:|---|---:|---|---|",
        ]
        for case in data["clientbook"]:
            lines.append(_row(case, baseline.get(case["case"]), ceiling.get(case["case"])))
        for case in data["baseline"]:
            lines.append(_row({**case, "case": f"baseline {case['case']}"}))
        for case in data.get("ceiling", []):
            lines.append(_row({**case, "case": f"ceiling {case['case']}"}))
        for case in data["clientbook"]:
            if case["rss_mb"]:
                lines += ["", f"Server RSS during the {case['case']} run: {_memory(case)}."]
        lines.append("")
    return "\n".join(lines)


def _rounds_note(rounds: int) -> str:
    if rounds < 2:
        return "Each baseline and ceiling case ran once, beside clientbook's."
    return (
        f"The cases run against the baseline and the ceiling ran in {rounds} rounds, who "
        "goes first rotating from round to round: their rows show the round of median "
        "req/s, and each ratio is the median of the rounds' paired ratios (each round's "
        "listed)."
    )


def render(document: dict[str, Any]) -> str:
    meta = document["meta"]
    machine = meta["machine"]
    settings = meta["settings"]
    load = ", ".join(f"{x:.2f}" for x in meta["load_average_at_start"])
    return "\n".join(
        [
            f"Run {meta['when']}, {meta['minutes']} min: `{meta['command']}`",
            "",
            f"Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['memory_gib']} GiB, "
            f"Linux {machine['kernel']}, Python {machine['python']}. "
            f"Load average at start: {load}.",
            f"Server: {settings['server']}, {settings['workers']} worker(s) (the ceiling: "
            f"uvicorn, as many); wrk: {settings.get('threads', 1)} thread(s), "
            f"{settings['connections']} connections, {settings['duration']} s a case after "
            f"{settings['warmup']} s warm-up; big business: {settings['clients']:,} clients; "
            f"{settings['businesses']} small businesses of {settings['small_clients']}.",
            _rounds_note(settings.get("rounds", 1)),
            "",
            tables(document),
        ]
    )


def write(path: Path, document: dict[str, Any], *, label: str) -> None:
    """Replace the section between this label's markers (appending it the first time)."""
    begin, end = BEGIN.format(label=label), END.format(label=label)
    section = f"{begin}\n{render(document)}\n{end}"
    text = path.read_text() if path.exists() else "# Performance\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
