"""Runs through the API of a real `torchcanvas serve` and `torchcanvas worker`, on the
SQLite queue and on Redis: live events, a server restart, cancel, a killed worker."""

from __future__ import annotations

import signal
import time

import pytest
from sqlalchemy import create_engine, text

from builder.runs.sandbox import group_alive

from .conftest import Stack, digits

pytestmark = pytest.mark.slow


def pid_of(stack: Stack, run_id: str) -> int | None:
    engine = create_engine(stack.env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            query = text("SELECT pid FROM runs WHERE id = :id")
            return connection.execute(query, {"id": run_id}).scalar()
    finally:
        engine.dispose()


def test_a_queued_run_survives_a_restart_streams_its_epochs_and_learns(stack: Stack):
    saved = stack.post("/api/models", json=digits(6, batch_size=2))
    assert saved.status_code == 201, saved.text
    model_id = saved.json()["id"]
    started = stack.post("/api/runs", json={"model_id": model_id})
    assert started.status_code == 201, started.text
    run_id = started.json()["id"]
    assert started.headers["Location"].endswith(f"/api/runs/{run_id}")

    # no worker yet: the run waits in the queue while the server restarts
    stack.stop(stack.processes[0])
    stack.serve()
    assert stack.get(f"/api/runs/{run_id}").json()["status"] == "queued"
    stack.start_worker()

    events = stack.events(run_id)
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "end" and events[-1][1]["status"] == "succeeded", events[-3:]
    assert [d["epoch"] for k, d in events if k == "epoch"] == [1, 2, 3, 4, 5, 6]
    batches = [d for k, d in events if k == "progress" and d["batch"] > 0]
    assert batches and all(0 < d["batch"] <= d["batches"] for d in batches)

    run = stack.get(f"/api/runs/{run_id}").json()
    assert run["status"] == "succeeded" and run["error"] is None
    assert run["metrics"]["val_metric"] >= 0.9, run["metrics"]
    assert [row["epoch"] for row in run["history"]] == [1, 2, 3, 4, 5, 6]
    assert run["model_id"] == model_id and run["model_revision"] == 1
    assert {"model.pt", "metrics.json", "history.json", "train.log"} <= set(run["artifacts"])
    weights = stack.get(f"/api/runs/{run_id}/artifacts/model.pt")
    assert weights.status_code == 200 and len(weights.content) > 30_000
    assert "attachment" in weights.headers["Content-Disposition"]
    listed = stack.get(f"/api/models/{model_id}/runs").json()["runs"]
    assert [r["id"] for r in listed] == [run_id]

    # a stream opened after the end replays the history, and Last-Event-ID skips it
    again = stack.get(f"/api/runs/{run_id}/events", headers={"Last-Event-ID": "e4"})
    assert "id: e4" not in again.text and "id: e5" in again.text and "event: end" in again.text


def test_cancel_stops_the_run_and_its_whole_process_group(stack: Stack):
    stack.start_worker()
    run_id = stack.start_run(digits(400, batch_size=8))
    stack.events(run_id, until=lambda kind, data: kind == "epoch")
    pgid = pid_of(stack, run_id)
    assert pgid is not None and group_alive(pgid)

    cancelled = stack.post(f"/api/runs/{run_id}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["cancel_requested"] or cancelled.json()["status"] == "cancelled"
    run = stack.wait(run_id, ("cancelled", "failed", "succeeded"), timeout=30)
    assert run["status"] == "cancelled", run
    deadline = time.monotonic() + 10
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not group_alive(pgid)
    assert stack.events(run_id)[-1] == ("end", {"status": "cancelled", "error": "cancelled"})


def test_a_killed_worker_is_replaced_and_the_run_resumes_to_the_same_result(stack: Stack):
    spec = digits(12, batch_size=16)
    worker = stack.start_worker()
    reference = stack.wait(stack.start_run(spec), ("succeeded", "failed"))
    assert reference["status"] == "succeeded", reference

    run_id = stack.start_run(spec)
    stack.events(run_id, until=lambda kind, data: kind == "epoch" and data["epoch"] >= 2)
    pgid = pid_of(stack, run_id)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    deadline = time.monotonic() + 10  # the run dies with its worker (PR_SET_PDEATHSIG)
    while pgid and group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not (pgid and group_alive(pgid))
    interrupted = stack.get(f"/api/runs/{run_id}").json()
    assert interrupted["status"] == "running" and len(interrupted["history"]) < 12

    stack.start_worker()
    resumed = stack.wait(run_id, ("succeeded", "failed"))
    assert resumed["status"] == "succeeded", (resumed, stack.log("worker.log"))
    assert resumed["attempts"] == 2

    def numbers(run: dict) -> list[tuple]:
        return [(h["epoch"], h["loss"], h["val_loss"], h["metric"]) for h in run["history"]]

    assert numbers(resumed) == numbers(reference)
    for key in ("loss", "val_loss", "val_metric", "per_class_accuracy"):
        assert resumed["metrics"][key] == reference["metrics"][key]
