#!/usr/bin/env python
"""Run the benchmarks: `make bench` runs all, `make bench NAME=<name>` one.

Each benchmark is a module bench/bench_<name>.py with a main() that prints its figures and returns the
result dict written to bench/results/<name>.json:
{"name", "scale", "value", "baseline", "unit", "ratio", "target", "ok"}.
"""

import importlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def main(argv):
    names = argv[1:] or sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    (HERE / "results").mkdir(exist_ok=True)
    failed = []
    for name in names:
        print(f"=== bench {name} ===", flush=True)
        result = importlib.import_module(f"bench_{name}").main()
        (HERE / "results" / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
        print(json.dumps(result, ensure_ascii=False))
        if not result["ok"]:
            failed.append(name)
    if failed:
        print("targets missed:", ", ".join(failed))


if __name__ == "__main__":
    main(sys.argv)
