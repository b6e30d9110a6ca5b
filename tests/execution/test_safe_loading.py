"""Generated code loads only what it wrote itself: checkpoints with `weights_only=True`,
CIFAR-10 batches through an unpickler that knows nothing but arrays."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
import torch

from tests.conftest import load_example
from tests.execution.fake_data import write_cifar10
from tests.execution.project import run_train, with_training, write_project

pytestmark = pytest.mark.slow


class Planted:
    """Unpickling this creates a folder: the proof that a file ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.mkdir, (str(self.marker),))


@pytest.mark.parametrize(
    "scheduler",
    # the states that hold more than numbers: a Counter, the anneal strategy, +inf and modes
    [
        {"type": "MultiStepLR", "params": {"milestones": [1, 2]}},
        {"type": "OneCycleLR"},
        {"type": "ReduceLROnPlateau", "params": {"patience": 0, "factor": 0.5}},
    ],
)
def test_resume_loads_every_checkpoint_train_py_writes(tmp_path, scheduler):
    """weights_only=True holds for every scheduler, with early stopping and mixed precision."""
    spec = with_training(
        load_example("iris-classifier"),
        epochs=3,
        scheduler=scheduler,
        early_stopping={"patience": 5},
        mixed_precision=True,
    )
    folder = write_project(spec, tmp_path)
    assert "weights_only=True" in (folder / "train.py").read_text()
    first = run_train(folder, out="run")
    assert first.returncode == 0, first.stderr
    torch.load(first.out / "checkpoint.pt", weights_only=True)  # what --resume does
    resumed = run_train(folder, "--resume", out="run")  # every state is loaded, no epoch left
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed from epoch 3" in resumed.stdout
    assert [row["epoch"] for row in resumed.history] == [1, 2, 3]


def test_a_planted_checkpoint_runs_no_code(tmp_path):
    folder = write_project(with_training(load_example("iris-classifier"), epochs=1), tmp_path)
    marker = tmp_path / "pwned"
    (folder / "run").mkdir()
    torch.save({"epoch": 1, "model": Planted(marker)}, folder / "run" / "checkpoint.pt")
    run = run_train(folder, "--resume", out="run")
    assert run.returncode != 0
    assert not marker.exists()
    assert "holds more than train.py writes; not loading it" in run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1


def lenet_cifar(data: Path):
    spec = with_training(load_example("lenet-batchnorm"), epochs=1)
    spec["training"]["dataset"] = {"kind": "cifar10", "params": {"root": "data"}}
    return spec


def test_a_planted_cifar_batch_runs_no_code(tmp_path):
    data = write_cifar10(tmp_path / "project" / "data", per_batch=8, test=8)
    marker = tmp_path / "pwned"
    with open(data / "cifar-10-batches-py" / "data_batch_3", "wb") as handle:
        pickle.dump({"data": Planted(marker), "labels": [0]}, handle)
    folder = write_project(lenet_cifar(data), tmp_path / "project")
    run = run_train(folder, "--limit-batches", "1", out="run")
    assert run.returncode != 0
    assert not marker.exists()
    assert "data_batch_3 is not a CIFAR-10 batch" in run.stderr
    assert "Traceback" not in run.stderr


def test_real_cifar_batches_still_load(tmp_path):
    """Batches as the official files are: protocol 2 pickles, as Python 2 wrote them."""
    data = write_cifar10(tmp_path / "project" / "data", per_batch=8, test=8)
    for batch in (data / "cifar-10-batches-py").iterdir():
        content = pickle.loads(batch.read_bytes())
        batch.write_bytes(pickle.dumps(content, protocol=2))
    folder = write_project(lenet_cifar(data), tmp_path / "project")
    run = run_train(folder, "--limit-batches", "1", out="run")
    assert run.returncode == 0, run.stderr
