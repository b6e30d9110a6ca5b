"""A worker's job in this process (a real train.py subprocess, a real database): a run
over its wall-clock, CPU or memory limit is stopped with a one-line reason."""

from __future__ import annotations

import pytest

from .conftest import digits, run_job

pytestmark = pytest.mark.slow


def test_a_run_past_its_wall_clock_limit_is_stopped(app):
    run = run_job(app, digits(1000, batch_size=4), timeout_s=4)
    assert run.status == "failed"
    assert run.error == (
        "stopped: the run took longer than its 4 s (the server's limit, TORCHCANVAS_RUN_TIMEOUT)"
    )


def test_a_run_past_its_cpu_time_limit_is_stopped(app):
    run = run_job(app, digits(1000, batch_size=4), cpu_s=2)
    assert run.status == "failed"
    assert run.error == (
        "stopped: the run used its 2 s of CPU time (the server's limit, "
        "TORCHCANVAS_RUN_CPU_SECONDS)"
    )


def test_a_run_past_its_memory_limit_is_stopped(app):
    spec = digits(1)
    spec["nodes"][0]["params"]["out_features"] = 20_000_000  # 1.3 billion weights: 5 GB
    run = run_job(app, spec, memory_mb=4500)
    assert run.status == "failed"
    assert run.error == (
        "stopped: the run needed more than its 4500 MiB of memory (the server's limit, "
        "TORCHCANVAS_RUN_MEMORY_MB)"
    )


def test_a_failing_train_py_reports_its_one_line_reason(app):
    spec = digits(2)
    spec["training"]["dataset"] = {"kind": "csv", "params": {"path": "missing.csv",
                                                             "target": "y", "task": "classification"}}  # fmt: skip
    run = run_job(app, spec)
    assert run.status == "failed"
    assert run.error.startswith("data file not found: ") and "missing.csv" in run.error
    assert "\n" not in run.error and "Traceback" not in run.error
