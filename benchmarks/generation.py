"""Code generation: shape inference and spec-to-files time for 10, 100 and 1000 nodes.

Two graph families: a long sequential chain (Linear and ReLU alternating, no edges given)
and a residual DAG (blocks of Linear -> ReLU -> Add(block input, ReLU) with explicit
edges, so every Add merges two paths). `codegen.analysis.analyze` parses, checks and infers
every shape; `codegen.render.generate` does that and renders and formats (black) all files.
No torch involved: this is the cost the web server pays per request.

Run: `python -m benchmarks.run --only codegen` (add `--quick` for a smoke-sized run).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from benchmarks.common import Result, median

SIZES = (10, 100, 1000)
WIDTH = 32


def base_spec(name: str) -> dict[str, Any]:
    return {
        "format": "torchcanvas.model",
        "version": 1,
        "name": name,
        "input": {"shape": [WIDTH]},
        "nodes": [],
        "training": {
            "dataset": {"kind": "synthetic-regression"},
            "loss": {"type": "MSELoss"},
            "optimizer": {"type": "Adam", "params": {"lr": 0.001}},
        },
    }


def chain_spec(nodes: int) -> dict[str, Any]:
    """`nodes` blocks in a sequence: Linear(WIDTH), ReLU, Linear(WIDTH), ... ending on Linear."""
    spec = base_spec(f"Chain of {nodes}")
    for k in range(nodes):
        last = k == nodes - 1
        if k % 2 == 0 or last:
            spec["nodes"].append(
                {"id": f"n{k}", "type": "Linear", "params": {"out_features": 1 if last else WIDTH}}
            )
        else:
            spec["nodes"].append({"id": f"n{k}", "type": "ReLU"})
    return spec


def residual_spec(nodes: int) -> dict[str, Any]:
    """Residual blocks of 3 nodes (Linear, ReLU, Add of block input and ReLU) plus a head."""
    spec = base_spec(f"Residual DAG of {nodes}")
    edges = spec["edges"] = []
    previous = "input"
    blocks = (nodes - 1) // 3
    for k in range(blocks):
        linear, act, add = f"fc{k}", f"act{k}", f"add{k}"
        spec["nodes"] += [
            {"id": linear, "type": "Linear", "params": {"out_features": WIDTH}},
            {"id": act, "type": "ReLU"},
            {"id": add, "type": "Add"},
        ]
        edges += [
            {"source": previous, "target": linear},
            {"source": linear, "target": act},
            {"source": previous, "target": add},
            {"source": act, "target": add},
        ]
        previous = add
    for k in range(nodes - 1 - 3 * blocks):  # pad with ReLUs to exactly `nodes`
        spec["nodes"].append({"id": f"pad{k}", "type": "ReLU"})
        edges.append({"source": previous, "target": f"pad{k}"})
        previous = f"pad{k}"
    spec["nodes"].append({"id": "head", "type": "Linear", "params": {"out_features": 1}})
    edges.append({"source": previous, "target": "head"})
    spec["output"] = "head"
    return spec


@contextlib.contextmanager
def unformatted() -> Iterator[None]:
    """Within: `generate` skips black (its `_format` step), to show what black costs."""
    from codegen import render

    original = render._format
    render._format = lambda code: code
    try:
        yield
    finally:
        render._format = original


def cold_generate(spec: dict[str, Any]) -> dict[str, str]:
    """`generate` with black's memo emptied first: the cost of a spec never seen before."""
    from codegen import render

    render._format.cache_clear()
    return render.generate(spec)


def timed(function: Callable[[], object], repeats: int) -> tuple[float, list[float]]:
    """Median seconds of `repeats` calls (after one warm-up call) and all of them."""
    function()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return median(seconds), seconds


def run(quick: bool = False) -> Result:
    from codegen.analysis import analyze
    from codegen.render import generate

    sizes = (10, 30) if quick else SIZES
    figures = []
    for family, make in (("chain", chain_spec), ("residual DAG", residual_spec)):
        for nodes in sizes:
            spec = make(nodes)
            analysis = analyze(spec)
            if not analysis.valid:
                raise RuntimeError(f"{family} {nodes}: {analysis.problems}")
            repeats = 1 if quick else (3 if nodes >= 1000 else 7)
            analyze_s, analyze_all = timed(lambda spec=spec: analyze(spec), repeats)
            generate_s, generate_all = timed(lambda spec=spec: cold_generate(spec), repeats)
            with unformatted():
                render_s, _ = timed(lambda spec=spec: generate(spec), repeats)
            lines = sum(text.count("\n") for text in generate(spec).values())
            figures.append(
                {
                    "family": family,
                    "nodes": nodes,
                    "repeats": repeats,
                    "analyze_s": analyze_s,
                    "generate_s": generate_s,
                    "render_without_black_s": render_s,
                    "generated_lines": lines,
                    "analyze_runs": analyze_all,
                    "generate_runs": generate_all,
                }
            )
    rows = []
    for f in figures:
        smallest = next(g for g in figures if g["family"] == f["family"])
        rows.append(
            [
                f["family"],
                f["nodes"],
                f"{f['analyze_s'] * 1000:.1f}",
                f"{f['analyze_s'] * 1e6 / f['nodes']:.0f}",
                f"{f['generate_s'] * 1000:.1f}",
                f"{f['generate_s'] * 1e6 / f['nodes']:.0f}",
                f"{f['render_without_black_s'] * 1000:.1f}",
                f"{f['generate_s'] / smallest['generate_s']:.1f}x",
                f["generated_lines"],
            ]
        )
    return Result(
        name="codegen",
        title="Code generation: shape inference and spec-to-files time",
        headers=[
            "graph",
            "nodes",
            "analyze ms",
            "analyze µs/node",
            "generate ms",
            "generate µs/node",
            "of which not black, ms",
            f"generate vs. {sizes[0]} nodes",
            "lines generated",
        ],
        rows=rows,
        notes=[
            "Median of 7 calls (3 for 1000 nodes) after one warm-up call. analyze = parse, "
            "validate and infer shapes; generate = analyze + render every file + black; "
            "'not black' = the same call with black's formatting step skipped.",
        ],
        data={"cases": figures},
    )
