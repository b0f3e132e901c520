#!/usr/bin/env python
"""Run the benchmarks: `make bench` runs all, `make bench NAME=<name>` one, `make bench SCALE=10k|100k|1M`
at a scale (the number of rectification items; default 1M = 100 000 units / 1 000 000 items).

Each benchmark is a module bench/bench_<name>.py with a main() that prints its figures and returns the
result dict written to bench/results/<name>.json and bench/results/<name>@<scale>.json:
{"name", "scale", "value", "baseline", "unit", "ratio", "target", "ok", …}. After each run,
bench/results/scale.md tabulates the figures of every scale measured so far (`scale_table()`).
"""

import importlib
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
# Benchmarks build and read demo data: a demo instance (development keys) unless told otherwise.
os.environ.setdefault("CHUXIN_ENV", "demo")

SCALES = ["10k", "100k", "1M"]
# (benchmark, key in its result, label) — the rows of the scale table
ROWS = [
    ("http", "value", "ledger page, req/s (20 connections, 2 workers)"),
    ("http", "p99_ms", "ledger page, p99 ms"),
    ("http", "baseline", "reference (50 rows by primary key), req/s"),
    ("http", "ratio", "ledger page / reference"),
    ("rollup", "value", "root dashboard p50 ms"),
    ("rollup", "baseline", "leaf dashboard p50 ms"),
    ("rollup", "ratio", "root / leaf dashboard"),
    ("progress", "value", "root strand progress p50 ms"),
    ("progress", "baseline", "leaf strand progress p50 ms"),
    ("progress", "ratio", "root / leaf strand progress"),
    ("evaluation", "value", "root evaluation page p50 ms"),
    ("evaluation", "baseline", "leaf evaluation page p50 ms"),
    ("evaluation", "ratio", "root / leaf evaluation page"),
    ("burden", "value", "root burden meter p50 ms"),
    ("burden", "baseline", "leaf burden meter p50 ms"),
    ("burden", "ratio", "root / leaf burden meter"),
    ("write", "value", "claim+verify p50 ms, one writer"),
    ("write", "pairs_per_s_1_writer", "claim+verify pairs/s, one writer"),
    ("write", "pairs_per_s_20_writers", "claim+verify pairs/s, 20 writers"),
    ("write", "writers", "concurrent writers, one per province (fewer where the demo has fewer than 21)"),
]


def machine() -> str:
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = platform.processor() or "unknown CPU"
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    load = f", load average {os.getloadavg()[0]:.1f} at the end" if hasattr(os, "getloadavg") else ""
    return f"{os.cpu_count()} CPUs ({model}){mem}, {platform.system()} {platform.release()}{load}"


def scale_table() -> str:
    results = {}
    for path in (HERE / "results").glob("*@*.json"):
        name, scale = path.stem.split("@", 1)
        results[(name, scale)] = json.loads(path.read_text())
    lines = [
        "| figure | " + " | ".join(f"{s} items" for s in SCALES) + " |",
        "|---" * (len(SCALES) + 1) + "|",
    ]
    for name, key, label in ROWS:
        cells = []
        for s in SCALES:
            value = results.get((name, s), {}).get(key)
            cells.append(
                "—" if value is None else f"{value:g}" if isinstance(value, float | int) else str(value)
            )
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + f"\n\nMachine: {machine()}.\n"


def run_one(name: str, scale: str) -> dict:
    print(f"=== bench {name} (SCALE={scale}) ===", flush=True)
    result = importlib.import_module(f"bench_{name}").main()
    # the machine is shared: a figure means little without how busy it was
    result["load_average_1min"] = round(os.getloadavg()[0], 1)
    text = json.dumps(result, ensure_ascii=False, indent=2)
    (HERE / "results" / f"{name}.json").write_text(text)
    (HERE / "results" / f"{name}@{scale}.json").write_text(text)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


def main(argv):
    names = argv[1:] or sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    (HERE / "results").mkdir(exist_ok=True)
    scale = os.environ.get("SCALE") or "1M"
    if len(names) == 1:
        run_one(names[0], scale)
        (HERE / "results" / "scale.md").write_text(scale_table())
        return
    failed = []
    for name in names:  # each in its own process: each benchmark configures Django for its own database
        done = subprocess.run([sys.executable, __file__, name], check=False).returncode == 0
        path = HERE / "results" / f"{name}@{scale}.json"
        if not done or not path.exists() or not json.loads(path.read_text())["ok"]:
            failed.append(name)
    table = scale_table()
    (HERE / "results" / "scale.md").write_text(table)
    print(table)
    if failed:
        print("targets missed or benchmark failed:", ", ".join(failed))


if __name__ == "__main__":
    main(sys.argv)
