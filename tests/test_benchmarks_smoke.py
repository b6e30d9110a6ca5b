"""The benchmarks run end to end at smoke size and report their tables and figures.

Nothing here looks at timings (they depend on the machine); only that every benchmark ran,
printed its Markdown table and wrote its figures as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.common import DEFAULT_THREADS, in_own_process, machine

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ("tabular", "images", "overhead", "codegen", "http", "editor", "runs", "imports")


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


def test_quick_run_reports_every_benchmark(tmp_path):
    proc = run_benchmarks(
        *(arg for name in BENCHMARKS for arg in ("--only", name)), json_path=tmp_path / "bench.json"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Machine: ")
    report = json.loads((tmp_path / "bench.json").read_text())
    assert report["quick"] is True
    assert {"cpu", "cores", "torch", "threads"} <= set(report["machine"])
    assert report["machine"]["threads"] == 2
    assert [result["name"] for result in report["results"]] == list(BENCHMARKS)
    for result in report["results"]:
        assert result["rows"], result["name"]
        assert all(len(row) == len(result["headers"]) for row in result["rows"])
        section = proc.stdout.split(f"### {result['title']}\n", 1)[1]
        header_line = next(line for line in section.splitlines() if line.startswith("|"))
        assert [cell.strip() for cell in header_line.strip("|").split("|")] == result["headers"]
    data = {result["name"]: result["data"] for result in report["results"]}
    cases = {name: figures["cases"] for name, figures in data.items() if "cases" in figures}
    assert len(cases["tabular"]) == 2 and len(cases["images"]) == 2
    assert len(cases["overhead"]) == 4
    assert {case["family"] for case in cases["codegen"]} == {"chain", "residual DAG"}
    for case in cases["tabular"]:
        assert case["generated_samples_per_s"] > 0 and case["hand_samples_per_s"] > 0
    endpoints = data["http"]["endpoints"]
    assert "GET /api/health" in endpoints and "POST /api/generate, new name" in endpoints
    assert all(m["requests"] > 0 and m["errors"] == 0 for m in endpoints.values()), endpoints
    for case in cases["editor"].values():  # timed in the browser, every figure there
        for name in ("shapes_ms", "code_ms", "layout_ms"):
            assert case[name] and all(ms > 0 for ms in case[name]), (name, case)
    runs = data["runs"]
    assert runs["speed"] > 0 and runs["first_progress_s"] and runs["with_streams"]["requests"] > 0
    assert runs["hand_first_line_s"] and runs["in_app_cpu_s"] and runs["in_app_epochs_s"]


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
