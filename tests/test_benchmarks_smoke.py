"""The benchmarks run end to end at smoke size and report their tables and figures.

Nothing here looks at timings (they depend on the machine); only that every benchmark ran,
printed its Markdown table and wrote its figures as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benchmarks.common import DEFAULT_THREADS, in_own_process, machine

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
# Smoke-sized runs of the benchmarks, a few to a run so that they spread over the test
# workers; each run starts with the same fixed costs (torch's import, the machine line).
GROUPS = (("runs",), ("http", "imports"), ("editor", "codegen"), ("tabular", "images", "overhead"))


def run_benchmarks(*args: str, json_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--json", str(json_path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


def check_tabular(data: dict[str, Any]) -> None:
    assert len(data["cases"]) == 2
    for case in data["cases"]:
        assert case["generated_samples_per_s"] > 0 and case["hand_samples_per_s"] > 0


def check_codegen(data: dict[str, Any]) -> None:
    assert {case["family"] for case in data["cases"]} == {"chain", "residual DAG"}


def check_http(data: dict[str, Any]) -> None:
    endpoints = data["endpoints"]
    assert "GET /api/health" in endpoints and "POST /api/generate, new name" in endpoints
    assert all(m["requests"] > 0 and m["errors"] == 0 for m in endpoints.values()), endpoints


def check_editor(data: dict[str, Any]) -> None:
    for case in data["cases"].values():  # timed in the browser, every figure there
        for name in ("shapes_ms", "code_ms", "layout_ms"):
            assert case[name] and all(ms > 0 for ms in case[name]), (name, case)


def check_runs(data: dict[str, Any]) -> None:
    assert data["speed"] > 0 and data["first_progress_s"] and data["with_streams"]["requests"] > 0
    assert data["hand_first_line_s"] and data["in_app_cpu_s"] and data["in_app_epochs_s"]


def check_images(data: dict[str, Any]) -> None:
    assert len(data["cases"]) == 2


def check_overhead(data: dict[str, Any]) -> None:
    assert len(data["cases"]) == 4


CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "tabular": check_tabular,
    "images": check_images,
    "overhead": check_overhead,
    "codegen": check_codegen,
    "http": check_http,
    "editor": check_editor,
    "runs": check_runs,
}
"""What each benchmark's figures must hold, beyond a table and figures of its own."""


@pytest.mark.parametrize("names", GROUPS, ids=["-".join(group) for group in GROUPS])
def test_quick_run_reports_its_benchmarks(tmp_path, names):
    proc = run_benchmarks(*(arg for name in names for arg in ("--only", name)),
                          json_path=tmp_path / "bench.json")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Machine: ")
    report = json.loads((tmp_path / "bench.json").read_text())
    assert report["quick"] is True
    assert {"cpu", "cores", "torch", "threads"} <= set(report["machine"])
    assert report["machine"]["threads"] == 2
    assert [result["name"] for result in report["results"]] == list(names)
    for result in report["results"]:
        assert result["rows"], result["name"]
        assert all(len(row) == len(result["headers"]) for row in result["rows"])
        section = proc.stdout.split(f"### {result['title']}\n", 1)[1]
        header_line = next(line for line in section.splitlines() if line.startswith("|"))
        assert [cell.strip() for cell in header_line.strip("|").split("|")] == result["headers"]
        if check := CHECKS.get(result["name"]):
            check(result["data"])


def test_every_benchmark_but_the_long_gpt_one_has_a_smoke_run():
    from benchmarks.run import MODULES

    assert sorted(name for group in GROUPS for name in group) == sorted(set(MODULES) - {"gpt"})


def test_only_takes_commas_and_rejects_unknown_names(tmp_path):
    proc = run_benchmarks("--only", "codegen,nonsense", json_path=tmp_path / "x.json")
    assert proc.returncode != 0
    assert "unknown benchmark nonsense" in proc.stderr
    assert not (tmp_path / "x.json").exists()


def test_the_editor_benchmarks_resnet50_is_torchvisions():
    from benchmarks.editor import resnet50
    from codegen.analysis import analyze

    analysis = analyze(resnet50())
    assert analysis.valid, analysis.problems
    assert len(resnet50()["nodes"]) == 175
    assert analysis.total_params == 25_557_032  # torchvision.models.resnet50()


def test_a_case_measured_in_its_own_process_runs_in_a_fresh_one_with_the_threads():
    """The overhead benchmark measures each model in a fresh process (smoke-sized runs
    skip that, to stay quick): another process, with the benchmarks' torch threads."""
    assert in_own_process(os.getpid) != os.getpid()
    assert in_own_process(machine)["threads"] == DEFAULT_THREADS
