"""Images read from files (a class-per-folder tree, a CSV of paths) through DataLoader workers."""

from __future__ import annotations

import pytest

from tests.execution.fake_data import write_image_csv, write_image_folder
from tests.execution.project import run_train, write_project

pytestmark = pytest.mark.slow


def small_cnn(channels: int, dataset: dict, **training) -> dict:
    return {
        "format": "torchcanvas.model",
        "version": 1,
        "name": "Small CNN",
        "input": {"shape": [channels, 16, 16]},
        "nodes": [
            {"id": "conv", "type": "Conv2d", "params": {"out_channels": 8, "kernel_size": 3}},
            {"id": "act", "type": "ReLU"},
            {"id": "pool", "type": "AdaptiveAvgPool2d", "params": {"output_size": 4}},
            {"id": "flatten", "type": "Flatten"},
            {"id": "fc", "type": "Linear", "params": {"out_features": 3}},
        ],
        "training": {"dataset": dataset, "epochs": 2, "batch_size": 8, **training},
    }


@pytest.mark.parametrize("channels", [3, 1])
def test_image_folder(tmp_path, channels):
    data = write_image_folder(tmp_path / "data" / "pets")
    spec = small_cnn(
        channels,
        {"kind": "image-folder", "params": {"path": "pets"}},
        augmentations=[
            {"type": "RandomHorizontalFlip"},
            {"type": "RandomCrop", "params": {"padding": 2}},
        ],
    )
    run = run_train(write_project(spec, tmp_path / "p"), "--data-dir", str(data.parent), out="f")
    assert run.returncode == 0, run.stderr
    assert len(run.history) == 2
    assert 0 <= run.metrics["val_metric"] <= 1


def test_image_csv(tmp_path):
    data = write_image_csv(tmp_path / "data")
    spec = small_cnn(3, {"kind": "image-csv", "params": {"path": "labels.csv"}})
    run = run_train(write_project(spec, tmp_path / "p"), "--data-dir", str(data), out="c")
    assert run.returncode == 0, run.stderr
    assert run.metrics["metric"] == "accuracy"


def test_image_csv_missing_file(tmp_path):
    spec = small_cnn(3, {"kind": "image-csv", "params": {"path": "labels.csv"}})
    run = run_train(write_project(spec, tmp_path / "p"), "--data-dir", str(tmp_path), out="c")
    assert run.returncode != 0
    assert "data file not found" in run.stderr
    assert "Traceback" not in run.stderr
