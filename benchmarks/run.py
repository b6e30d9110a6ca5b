"""Run the benchmarks and print their tables (Markdown) and, with --json, their figures.

    python -m benchmarks.run                    # all of them (what `make bench` runs)
    python -m benchmarks.run --only tabular     # one (repeat --only or use commas for more)
    python -m benchmarks.run --quick            # tiny sizes: a smoke test, figures meaningless

Each benchmark is a module of this package with a function `run(quick: bool) -> Result`
(benchmarks.common.Result); add a new one to MODULES.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

from benchmarks.common import (
    DEFAULT_THREADS,
    load_average,
    machine,
    machine_line,
    set_threads,
)

MODULES: dict[str, str] = {
    "tabular": "benchmarks.tabular",
    "images": "benchmarks.images",
    "overhead": "benchmarks.overhead",
    "codegen": "benchmarks.generation",
    "http": "benchmarks.http",
    "editor": "benchmarks.editor",
    "runs": "benchmarks.runs",
    "gpt": "benchmarks.gpt",
    "imports": "benchmarks.imports",
}
"""Benchmark name -> module, in the order they run."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help=f"run only these benchmarks ({', '.join(MODULES)}); repeatable or comma-separated",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--json", type=Path, help="also write all figures to this JSON file")
    return parser.parse_args(argv)


def selected(only: list[str]) -> list[str]:
    names = [name.strip() for item in only for name in item.split(",") if name.strip()]
    unknown = [name for name in names if name not in MODULES]
    if unknown:
        raise SystemExit(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(MODULES)}")
    return names or list(MODULES)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = selected(args.only)
    set_threads(DEFAULT_THREADS)
    print(f"Machine: {machine_line()}")
    if args.quick:
        print("(--quick: smoke-test sizes, the figures mean nothing)")
    results = []
    for name in names:
        started, load_before = time.perf_counter(), load_average()
        result = importlib.import_module(MODULES[name]).run(quick=args.quick)
        seconds, load_after = time.perf_counter() - started, load_average()
        print()
        print(result.markdown())
        print(
            f"\n({name}: {seconds:.0f} s; load average {load_before} before, {load_after} after)",
            flush=True,
        )
        results.append(
            {**result.to_json(), "seconds": seconds, "load_average": [load_before, load_after]}
        )
    if args.json:
        report = {"machine": machine(), "quick": args.quick, "results": results}
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
