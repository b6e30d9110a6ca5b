"""Data for runs, and what a trained run can do: MNIST from the server's data folder, an
uploaded CSV and an uploaded zip of class folders trained on, Try it on both, and the
quick check. A worker in this process runs the jobs (real subprocesses)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.execution.fake_data import class_images, write_mnist

from .conftest import digits, run_job

pytestmark = pytest.mark.slow


def png(image: Any) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "PNG")
    return buffer.getvalue()


def form(client: Any, url: str, **fields: Any) -> Any:
    return client.post(url, data=fields, content_type="multipart/form-data")


def trained(client: Any, spec: dict[str, Any], upload: str | None = None) -> dict[str, Any]:
    body = {"spec": spec, **({"upload_id": upload} if upload else {})}
    started = client.post("/api/runs", json=body)
    assert started.status_code == 201, started.get_json()
    run = client.get(started.get_json()["url"]).get_json()
    assert run["status"] == "succeeded", run["error"]
    return dict(run)


def test_mnist_from_the_servers_data_folder(app, tmp_path: Path):
    write_mnist(tmp_path / "data", train=200, test=50)
    spec = digits(1)
    spec["input"]["shape"] = [1, 28, 28]
    spec["nodes"] = [{"id": "flat", "type": "Flatten"},
                     {"id": "out", "type": "Linear", "params": {"out_features": 10}}]  # fmt: skip
    spec["training"]["dataset"] = {"kind": "mnist"}
    run = run_job(app, spec, data_dir=tmp_path / "data")
    assert run.status == "succeeded", run.error
    assert 0 <= run.metrics["test_metric"] <= 1
    missing = run_job(app, spec, data_dir=tmp_path / "nothing")
    assert missing.status == "failed" and "MNIST" in missing.error and "\n" not in missing.error


def test_a_csv_upload_trains_and_tries_a_row(working):
    rows = ["size,colour,label"] + [
        f"{i % 17},{'red' if i % 3 else 'blue'},{'big' if i % 17 > 8 else 'small'}"
        for i in range(120)
    ]
    uploaded = form(working, "/api/uploads", file=(io.BytesIO("\n".join(rows).encode()), "t.csv"))
    assert uploaded.status_code == 201, uploaded.get_json()
    spec = digits(20, batch_size=16)
    spec["input"]["shape"] = [4]  # size, and colour one-hot (red, blue, missing)
    spec["nodes"][-1]["params"]["out_features"] = 2
    spec["training"]["dataset"] = {"kind": "csv", "params": {
        "path": "t.csv", "target": "label", "task": "classification"}}  # fmt: skip
    run = trained(working, spec, uploaded.get_json()["id"])

    answer = form(working, f"/api/runs/{run['id']}/predict", row="size,colour\n15,red\n")
    assert answer.status_code == 200, answer.get_json()
    prediction = answer.get_json()
    assert prediction["classes"] == ["big", "small"] and prediction["predicted"] == "big"
    assert abs(sum(prediction["probabilities"]) - 1) < 1e-5
    bad = form(working, f"/api/runs/{run['id']}/predict", row="weight\n3\n")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["path"] == "/file"


def test_a_zip_of_class_folders_trains_and_tries_an_image(working):
    images, labels = class_images(60, 3, 16, classes=2, seed=5)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for k, (image, label) in enumerate(zip(images, labels, strict=True)):
            archive.writestr(f"shapes/{['left', 'right'][label]}/{k}.png", png(image))
    uploaded = form(working, "/api/uploads", file=(io.BytesIO(buffer.getvalue()), "s.zip"))
    assert uploaded.status_code == 201, uploaded.get_json()
    spec = digits(3, batch_size=8)
    spec["input"]["shape"] = [3, 16, 16]
    spec["nodes"] = [{"id": "flat", "type": "Flatten"},
                     {"id": "out", "type": "Linear", "params": {"out_features": 2}}]  # fmt: skip
    spec["training"]["dataset"] = {"kind": "image-folder", "params": {"path": "x"}}
    run = trained(working, spec, uploaded.get_json()["id"])
    assert run["spec"]["training"]["dataset"]["params"]["path"] == "images"

    answer = form(working, f"/api/runs/{run['id']}/predict", file=(io.BytesIO(png(images[0])),
                                                                    "me.png"))  # fmt: skip
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["classes"] == ["left", "right"]
    assert len(answer.get_json()["probabilities"]) == 2
    text = form(working, f"/api/runs/{run['id']}/predict", file=(io.BytesIO(b"x"), "a.exe"))
    assert text.status_code == 415


def test_the_quick_check_reports_one_batch(working):
    answer = working.post("/api/checks", json={"spec": digits(5)})
    assert answer.status_code == 200, answer.get_json()
    check = answer.get_json()
    assert check["grads_finite"] is True and 1.5 < check["loss"] < 3.5  # about ln 10
    assert check["batches"] == 45 and check["parameters"] == 9610 and check["device"] == "cpu"
    assert check["seconds_per_epoch"] == pytest.approx(45 * check["seconds_per_batch"])
    assert check["peak_memory_mb"] > 50
    broken = digits(5)
    broken["training"]["dataset"] = {
        "kind": "csv",
        "params": {"path": "no.csv", "target": "y", "task": "classification"},
    }
    failed = working.post("/api/checks", json={"spec": broken})
    assert (
        failed.status_code == 422
        and "data file not found" in failed.get_json()["errors"][0]["message"]
    )


def test_predict_needs_a_finished_run(working, app):
    from builder.runs import get_queue

    get_queue(app).huey.immediate = False  # queued, never run
    run_id = working.post("/api/runs", json={"spec": digits(1)}).get_json()["id"]
    answer = form(working, f"/api/runs/{run_id}/predict", row="a\n1\n")
    assert answer.status_code == 409
