"""The runs API without a worker: what is accepted, what is refused and why, what is
stored (overrides, uploads), cancelling a queued run, lists of a model's runs."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

import pytest

from builder.runs import EXTENSION

from .conftest import digits

REMOTE = {"REMOTE_ADDR": "203.0.113.7"}


def configure(app: Any, **settings: Any) -> None:
    state = app.extensions[EXTENSION]
    state["settings"] = replace(state["settings"], **settings)


def errors(response: Any) -> list[dict[str, str]]:
    return list(response.get_json()["errors"])


def test_a_run_stores_the_spec_with_its_overrides_and_is_queued(client):
    response = client.post("/api/runs", json={"spec": digits(3), "epochs": 2, "lr": 0.01,
                                              "seed": 7})  # fmt: skip
    assert response.status_code == 201, response.get_json()
    run = client.get(response.get_json()["url"]).get_json()
    assert run["status"] == "queued" and run["epochs"] == 2 and run["history"] == []
    assert run["settings"] == {"epochs": 2, "lr": 0.01, "seed": 7}
    training = run["spec"]["training"]
    assert (training["epochs"], training["seed"]) == (2, 7)
    assert training["optimizer"]["params"]["lr"] == 0.01
    assert run["artifacts"] == [] and run["progress"] is None


@pytest.mark.parametrize(
    "body, path, message",
    [
        ({}, "", "send either `spec` or `model_id`"),
        ({"spec": digits(1), "model_id": "abc"}, "", "send either `spec` or `model_id`"),
        ({"spec": digits(1), "epochs": 0}, "/epochs", "greater than or equal to 1"),
        ({"spec": digits(1), "lr": -1}, "/lr", "greater than 0"),
        ({"spec": digits(1), "code": "import os"}, "/code", "Extra inputs are not permitted"),
    ],
)
def test_bad_requests_get_422_with_a_pointer(client, body, path, message):
    response = client.post("/api/runs", json=body)
    assert response.status_code == 422
    assert errors(response)[0]["path"] == path and message in errors(response)[0]["message"]


def test_an_invalid_spec_is_refused_with_pointers_into_the_body(client):
    spec = digits(1)
    spec["nodes"][0]["params"]["out_features"] = -3
    response = client.post("/api/runs", json={"spec": spec})
    assert response.status_code == 422
    assert errors(response)[0]["path"] == "/spec/nodes/0/params/out_features"
    model_only = digits(1)
    del model_only["training"]
    response = client.post("/api/runs", json={"spec": model_only})
    assert response.status_code == 422 and errors(response)[0]["path"] == "/spec/training"


def test_unknown_models_runs_and_artifacts_are_404(client):
    assert client.post("/api/runs", json={"model_id": "nope"}).status_code == 404
    assert client.get("/api/runs/nope").status_code == 404
    assert client.get("/api/runs/nope/events").status_code == 404
    assert client.get("/api/runs/n%2Fope").status_code == 404
    run_id = client.post("/api/runs", json={"spec": digits(1)}).get_json()["id"]
    assert client.get(f"/api/runs/{run_id}/artifacts/model.pt").status_code == 404
    assert client.get(f"/api/runs/{run_id}/artifacts/..%2Fstore.db").status_code == 404
    assert client.get(f"/api/runs/{run_id}/artifacts/spec.json").status_code == 404


def test_runs_can_be_switched_off(app, client):
    configure(app, mode="off")
    response = client.post("/api/runs", json={"spec": digits(1)})
    assert response.status_code == 403 and "switched off" in errors(response)[0]["message"]
    assert client.post("/api/checks", json={"spec": digits(1)}).status_code == 403


def test_local_mode_serves_only_this_machine(client):
    response = client.post("/api/runs", json={"spec": digits(1)}, environ_base=REMOTE)
    assert response.status_code == 403
    assert "own machine" in errors(response)[0]["message"]
    assert client.post("/api/runs", json={"spec": digits(1)}).status_code == 201


def test_owners_mode_needs_the_models_edit_token(app, client):
    configure(app, mode="owners")
    saved = client.post("/api/models", json=digits(1)).get_json()
    assert client.post("/api/runs", json={"spec": digits(1)}).status_code == 403
    body = {"model_id": saved["id"]}
    assert client.post("/api/runs", json=body, environ_base=REMOTE).status_code == 403
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.post("/api/runs", json=body, headers=wrong).status_code == 403
    right = {"Authorization": f"Bearer {saved['edit_token']}"}
    response = client.post("/api/runs", json=body, headers=right, environ_base=REMOTE)
    assert response.status_code == 201
    run_id = response.get_json()["id"]
    assert client.post(f"/api/runs/{run_id}/cancel", environ_base=REMOTE).status_code == 403
    cancelled = client.post(f"/api/runs/{run_id}/cancel", headers=right, environ_base=REMOTE)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"


def test_each_client_has_a_limit_of_queued_and_running_runs(app, client):
    configure(app, per_client=2)
    for _ in range(2):
        assert client.post("/api/runs", json={"spec": digits(1)}).status_code == 201
    response = client.post("/api/runs", json={"spec": digits(1)})
    assert response.status_code == 429
    assert errors(response)[0]["message"] == (
        "you have 2 runs queued or running; this server takes 2 per client"
    )
    assert client.post("/api/runs", json={"spec": digits(1)}, environ_base={
        "REMOTE_ADDR": "127.0.0.2"}).status_code == 201  # another client  # fmt: skip


def test_a_run_over_the_size_cap_is_refused(app, client):
    configure(app, max_sample_epochs=10_000)
    response = client.post("/api/runs", json={"spec": digits(10)})
    assert response.status_code == 422
    (error,) = errors(response)
    assert error["path"] == "/training/epochs"
    assert error["message"] == (
        "10 epochs x 1,797 samples is more than this server trains in one run (10,000)"
    )
    assert error["hint"].startswith("train for at most 5 epochs")


def test_cancelling_a_queued_run_is_immediate_and_ends_its_stream(client):
    run_id = client.post("/api/runs", json={"spec": digits(1)}).get_json()["id"]
    response = client.post(f"/api/runs/{run_id}/cancel")
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    stream = client.get(f"/api/runs/{run_id}/events")
    assert stream.mimetype == "text/event-stream"
    text = stream.get_data(as_text=True)
    assert "event: status" in text and text.endswith(
        'event: end\ndata: {"status": "cancelled", "error": null}\n\n'
    )


def test_a_run_on_an_upload_reads_the_uploaded_file(client):
    uploaded = client.post(
        "/api/uploads", data={"file": (io.BytesIO(b"a,b,y\n1,2,0\n3,4,1\n" * 20), "t.csv")},
        content_type="multipart/form-data",
    ).get_json()  # fmt: skip
    spec = digits(1)
    spec["input"]["shape"] = [2]
    spec["training"]["dataset"] = {"kind": "csv", "params": {
        "path": "whatever.csv", "target": "y", "task": "classification"}}  # fmt: skip
    spec["nodes"][-1]["params"]["out_features"] = 2
    response = client.post("/api/runs", json={"spec": spec, "upload_id": uploaded["id"]})
    assert response.status_code == 201, response.get_json()
    run = client.get(response.get_json()["url"]).get_json()
    assert run["spec"]["training"]["dataset"]["params"]["path"] == "t.csv"
    mismatch = client.post("/api/runs", json={"spec": digits(1), "upload_id": uploaded["id"]})
    assert mismatch.status_code == 422
    assert errors(mismatch)[0]["path"] == "/upload_id"
    assert "choose the dataset csv or image-csv" in errors(mismatch)[0]["hint"]
    unknown = client.post("/api/runs", json={"spec": spec, "upload_id": "nope"})
    assert unknown.status_code == 404


def test_a_models_runs_and_its_forks_runs(client):
    saved = client.post("/api/models", json=digits(1)).get_json()
    fork = client.post(f"/api/models/{saved['id']}/fork").get_json()
    mine = client.post("/api/runs", json={"model_id": saved["id"]}).get_json()["id"]
    theirs = client.post("/api/runs", json={"model_id": fork["id"], "epochs": 2}).get_json()["id"]
    listed = client.get(f"/api/models/{saved['id']}/runs").get_json()["runs"]
    assert [r["id"] for r in listed] == [mine]
    both = client.get(f"/api/models/{saved['id']}/runs?forks=1").get_json()["runs"]
    assert {r["id"] for r in both} == {mine, theirs}
    assert client.get("/api/models/nope/runs").status_code == 404
    assert client.get(f"/api/models/{saved['id']}/runs?forks=maybe").status_code == 422
    old = client.post("/api/runs", json={"model_id": saved["id"], "revision": 2})
    assert old.status_code == 404 and errors(old)[0]["path"] == "/revision"


def test_the_seeds_experiments_start_one_run_per_variant(app, client):
    listed = client.get("/api/experiments").get_json()["experiments"]
    assert {e["name"]: e["variants"] for e in listed} == {
        "weight-decay": ["weight_decay 0", "weight_decay 1e-2"],
        "dropout": ["dropout 0", "dropout 0.2/0.5"],
    }
    started = client.post("/api/experiments/weight-decay/runs")
    assert started.status_code == 201, started.get_json()
    runs = [client.get(f"/api/runs/{r['id']}").get_json() for r in started.get_json()["runs"]]
    decays = [r["spec"]["training"]["optimizer"]["params"]["weight_decay"] for r in runs]
    assert decays == [0.0, 0.01]
    assert {r["spec"]["training"]["dataset"]["params"]["n_samples"] for r in runs} == {20}
    assert runs[0]["name"] == "Weight decay MLP: weight_decay 0"
    configure(app, per_client=3)
    refused = client.post("/api/experiments/dropout/runs")
    assert refused.status_code == 429 and "starts 2 runs" in errors(refused)[0]["message"]
    assert client.post("/api/experiments/nope/runs").status_code == 404


def test_a_resumed_run_records_the_epochs_of_its_checkpoint(app, client):
    """A worker killed after train.py saved an epoch but before it read that epoch's line:
    the next worker takes the epochs from the checkpoint's history, which train.py reports."""
    import json

    from builder.runs import get_runs
    from builder.runs.jobs import Follower
    from builder.runs.worker import WorkerContext

    run_id = client.post("/api/runs", json={"spec": digits(4)}).get_json()["id"]
    runs = get_runs(app)
    assert runs.claim(run_id, "w2") is not None
    ctx = WorkerContext(app=app, settings=None, runs=runs, queue=None, name="w2")  # type: ignore[arg-type]
    follower = Follower(ctx, run_id, io.BytesIO())
    rows = [{"epoch": e, "loss": 1.0 / e, "val_loss": 2.0 / e, "metric": 0.5} for e in (1, 2, 3)]
    for event in ({"event": "resumed", "epoch": 3, "history": rows},
                  {"event": "epoch", **rows[0], "epoch": 4}):  # fmt: skip
        follower.line(json.dumps(event).encode())
    follower.flush(force=True)  # the follower writes a few times a second, and at the end
    history = client.get(f"/api/runs/{run_id}").get_json()["history"]
    assert [h["epoch"] for h in history] == [1, 2, 3, 4]
    assert history[2]["val_loss"] == pytest.approx(2.0 / 3)


def test_the_follower_writes_epochs_and_progress_together(app, client, monkeypatch):
    """Many lines a second from a run of small epochs make one write, not one per line;
    train.py's first progress is written at once, and nothing is left unwritten."""
    import json

    from builder.runs import get_runs, jobs
    from builder.runs.jobs import Follower
    from builder.runs.worker import WorkerContext

    monkeypatch.setattr(jobs, "PROGRESS_EVERY_S", 3600.0)  # however slow this machine is

    run_id = client.post("/api/runs", json={"spec": digits(3)}).get_json()["id"]
    runs = get_runs(app)
    assert runs.claim(run_id, "w1") is not None
    ctx = WorkerContext(app=app, settings=None, runs=runs, queue=None, name="w1")  # type: ignore[arg-type]
    follower = Follower(ctx, run_id, io.BytesIO())
    follower.line(json.dumps({"event": "start", "epochs": 3, "batches": 20}).encode())
    assert runs.state(run_id).progress == {"stage": "training", "epoch": 1, "batch": 0,
                                           "batches": 20}  # fmt: skip
    seq = runs.version(run_id)[1]
    for epoch in (1, 2, 3):
        for batch in (10, 20):
            line = {"event": "batch", "epoch": epoch, "batch": batch, "batches": 20, "loss": 0.5}
            follower.line(json.dumps(line).encode())
        follower.line(json.dumps({"event": "epoch", "epoch": epoch, "loss": 1.0 / epoch}).encode())
        follower.flush()  # what the worker calls after each read: too soon to write again
    assert runs.version(run_id)[1] == seq and not runs.history(run_id)
    follower.flush(force=True)
    assert runs.version(run_id)[1] == seq + 1
    assert [row.epoch for row in runs.history(run_id)] == [1, 2, 3]
    assert runs.state(run_id).progress["epoch"] == 3  # the last batch line of the run
